namespace SsdStream.Pipeline.Frames;

/// <summary>
/// Waits for the first of several waits and cancels the others. A <c>WaitToReadAsync</c> that loses a
/// plain <c>Task.WhenAny</c> stays registered on its channel until the channel gets an item or the wait
/// is cancelled: a channel that stays empty (a camera offline) would collect one per round, forever.
/// </summary>
internal static class FirstWait
{
    /// <summary>
    /// Starts every wait with this round's token (linked to <paramref name="cancellation"/>), returns the
    /// first to finish, and cancels the rest.
    /// </summary>
    public static async Task<Task> WhenAnyAsync(IReadOnlyList<Func<CancellationToken, Task>> waits, CancellationToken cancellation)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var tasks = new Task[waits.Count];
        for (int i = 0; i < tasks.Length; i++) tasks[i] = waits[i](round.Token);
        var first = await Task.WhenAny(tasks).ConfigureAwait(false);
        await round.CancelAsync().ConfigureAwait(false);
        return first;
    }
}
