namespace SsdStream.Service;

/// <summary>
/// The exit codes of every command, one contract (README, "Exit codes"). The systemd unit retries 1 and
/// stops retrying on 2 and 78 (<c>RestartPreventExitStatus</c>).
/// </summary>
public static class ExitCodes
{
    /// <summary>Done; for the daemon also a clean stop, or every camera having ended.</summary>
    public const int Success = 0;

    /// <summary>A fault of the program or its environment at run time: worth retrying.</summary>
    public const int Fault = 1;

    /// <summary>Bad input named on the command line: a model file, an image, a dataset, an argument out of range.</summary>
    public const int BadInput = 2;

    /// <summary>Configuration (EX_CONFIG): a key, or a model path, device, directory or port it names, cannot be used.</summary>
    public const int Configuration = 78;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT), for the commands other than the daemon.</summary>
    public const int Interrupted = 130;
}
