using Microsoft.Extensions.Logging;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// Deletes a camera's oldest complete segments (video with its sidecar) beyond a maximum age or a
/// maximum total size; files still being written (<c>.part.mp4</c>), segments to keep (those of events
/// marked to be retained) and anything else are left alone. Only the folders of this daemon's
/// <c>cameras</c> are looked at: another daemon may record into the same directory, under its own limits
/// and with its own retained events.
/// </summary>
public sealed partial class RecordingRetention(string root, IReadOnlyCollection<string> cameras, TimeSpan? maxAge, long? maxBytes, ILogger logger)
{
    /// <summary>Applies the limits to each camera's directory under the root, never deleting a video in <paramref name="keep"/>; returns the videos deleted.</summary>
    public IReadOnlyList<string> Apply(DateTimeOffset now, IReadOnlySet<string>? keep = null)
    {
        keep ??= new HashSet<string>();
        var deleted = new List<string>();
        if (!Directory.Exists(root)) return deleted;
        foreach (var cameraDir in cameras.Select(c => Path.Combine(root, c)).Where(Directory.Exists))
        {
            try
            {
                ApplyToCamera(cameraDir, now, deleted, keep);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A file or folder that went away meanwhile (or cannot be read): the next pass tries again.
                LogPassFailed(logger, cameraDir, e.Message);
            }
        }
        return deleted;
    }

    private void ApplyToCamera(string cameraDir, DateTimeOffset now, List<string> deleted, IReadOnlySet<string> keep)
    {
        var segments = Directory.EnumerateFiles(cameraDir, "*.mp4", SearchOption.AllDirectories)
            .Where(v => !SegmentWriter.IsPart(v) && !keep.Contains(v))
            .Select(v => new FileInfo(v))
            .OrderBy(f => f.LastWriteTimeUtc)
            .ThenBy(f => f.FullName, StringComparer.Ordinal)
            .ToList();
        long total = segments.Sum(Size);
        foreach (var video in segments)
        {
            bool tooOld = maxAge is { } age && now - video.LastWriteTimeUtc > age;
            bool tooBig = maxBytes is { } max && total > max;
            if (!tooOld && !tooBig) break;
            total -= Size(video);
            try
            {
                video.Delete();
                var sidecar = Path.ChangeExtension(video.FullName, ".jsonl");
                if (File.Exists(sidecar)) File.Delete(sidecar);
                deleted.Add(video.FullName);
                LogDeleted(logger, video.FullName, tooOld ? "older than the maximum age" : "over the size limit");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogDeleteFailed(logger, video.FullName, e.Message);
            }
        }
        // Empty day folders go, except today's and yesterday's (UTC, as the recorder names them): the
        // recorder may be about to open its next segment in one of them.
        var recent = new[] { SegmentWriter.DayFolder(now), SegmentWriter.DayFolder(now.AddDays(-1)) };
        foreach (var day in Directory.EnumerateDirectories(cameraDir))
        {
            if (recent.Contains(Path.GetFileName(day), StringComparer.Ordinal)) continue;
            if (!Directory.EnumerateFileSystemEntries(day).Any()) Directory.Delete(day);
        }
    }

    private static long Size(FileInfo video)
    {
        var sidecar = new FileInfo(Path.ChangeExtension(video.FullName, ".jsonl"));
        return (video.Exists ? video.Length : 0) + (sidecar.Exists ? sidecar.Length : 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "retention: deleted {Path} ({Reason})")]
    private static partial void LogDeleted(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: pass over {Directory} stopped early: {Reason}; the next pass tries again")]
    private static partial void LogPassFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: cannot delete {Path}: {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, string reason);
}
