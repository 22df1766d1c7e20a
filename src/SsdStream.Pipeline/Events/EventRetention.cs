using Microsoft.Extensions.Logging;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Applies retention to a camera's events: expired events go with their snapshots and clips (a clip that
/// overlapping events share goes with the last of them); old snapshots go on their own age limit. Events
/// marked <c>retain</c> keep everything. Rows go first, in one transaction, then the files: a crash between
/// the two leaves files no event points at, never an event whose files are gone.
/// </summary>
public sealed partial class EventRetention(IEventStore store, ILogger logger)
{
    /// <summary>Deletes the camera's events that ended before <paramref name="endedBefore"/> (not retained) and their files; returns how many events.</summary>
    public async Task<int> RemoveExpiredAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default)
    {
        var expired = await store.ExpiredAsync(camera, endedBefore, cancellation).ConfigureAwait(false);
        if (expired.Count == 0) return 0;
        var files = await store.DeleteAsync(expired.Select(e => e.Id).ToList(), cancellation).ConfigureAwait(false);
        foreach (var file in files) Delete(file);
        LogExpired(logger, expired.Count, camera, files.Count);
        return expired.Count;
    }

    /// <summary>Deletes the snapshots of the camera's events that ended before <paramref name="endedBefore"/> (not retained); returns how many events lost theirs.</summary>
    public async Task<int> RemoveOldSnapshotsAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default)
    {
        var old = await store.SnapshotsOlderThanAsync(camera, endedBefore, cancellation).ConfigureAwait(false);
        if (old.Count == 0) return 0;
        await store.ForgetSnapshotsAsync(old.Select(e => e.Id).ToList(), cancellation).ConfigureAwait(false);
        foreach (var e in old)
        {
            if (e.Media.Snapshot is { } snapshot) Delete(snapshot);
            if (e.Media.CleanSnapshot is { } clean) Delete(clean);
        }
        LogSnapshots(logger, old.Count, camera);
        return old.Count;
    }

    private void Delete(string file)
    {
        try
        {
            File.Delete(file); // a file already gone is no error
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(logger, file, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "events retention: {Count} events of {Camera} expired ({Files} files deleted)")]
    private static partial void LogExpired(ILogger logger, int count, string camera, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "events retention: snapshots of {Count} events of {Camera} deleted (older than the snapshot age limit)")]
    private static partial void LogSnapshots(ILogger logger, int count, string camera);

    [LoggerMessage(Level = LogLevel.Warning, Message = "events retention: cannot delete {Path}: {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, string reason);
}
