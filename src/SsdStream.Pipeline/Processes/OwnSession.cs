using System.Diagnostics;

namespace SsdStream.Pipeline.Processes;

/// <summary>
/// Starts the daemon's ffmpeg children in a session of their own, so that a signal meant for the daemon's
/// process group (Ctrl+C in a terminal, <c>timeout</c>, a shell's job control) reaches only the daemon,
/// which stops its children itself once their work is done: an encoder killed by the terminal's SIGINT
/// would end the open recording segment in the middle. (systemd's <c>KillMode=mixed</c> does the same for
/// the service.) .NET's <see cref="Process"/> cannot call setsid() in the child, so the start goes through
/// util-linux's <c>setsid</c>, which, not being a group leader, makes the new session and executes the
/// program in place: the PID, the pipes and the exit code are the program's own.
/// </summary>
public static class OwnSession
{
    private static readonly string? SetsidPath = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Rewrites <paramref name="start"/> to run its program in a new session (unchanged where setsid is missing).</summary>
    public static ProcessStartInfo Apply(ProcessStartInfo start)
    {
        if (SetsidPath is null) return start;
        var arguments = start.ArgumentList.ToList();
        start.ArgumentList.Clear();
        start.ArgumentList.Add(start.FileName);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.FileName = SetsidPath;
        return start;
    }
}
