using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using SsdStream.Pipeline.Tracking.Evaluation;

namespace SsdStream.Service.Commands;

/// <summary>
/// Turns what a command can fail on into one line on stderr and an exit code (<see cref="ExitCodes"/>): bad
/// input named on the command line is 2, a fault of the environment at run time (a disk that fills, a
/// folder that vanishes) is 1. <c>--verbose</c> adds the stack trace. Anything else is a bug and goes to
/// System.CommandLine's handler, which prints it whole.
/// </summary>
internal static class CommandErrors
{
    /// <summary>Set from <c>--verbose</c> before a command runs.</summary>
    public static bool Verbose { get; set; }

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (ExitCodeOf(e) is { } code)
        {
            return Report(e, code);
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (ExitCodeOf(e) is { } code)
        {
            return Report(e, code);
        }
    }

    /// <summary>The exit code of an error a user can cause or meet, or null for a bug.</summary>
    public static int? ExitCodeOf(Exception e) => e switch
    {
        // A database server that refuses (credentials, no such database) is configuration; one that is away, a fault.
        SsdStream.Pipeline.Events.EventStoreConnectionException c => c.Refused ? ExitCodes.Configuration : ExitCodes.Fault,
        System.Data.Common.DbException => ExitCodes.Fault,
        CheckpointException or DatasetException or BadInputException or DeviceUnavailableException
            or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            or ArgumentException or InvalidDataException or FormatException or MotFormatException => ExitCodes.BadInput,
        IOException or InvalidOperationException => ExitCodes.Fault,
        _ => null,
    };

    /// <summary>
    /// The message alone: without .NET's " (Parameter 'x')" suffix and the "Actual value was" line that
    /// <see cref="ArgumentOutOfRangeException"/> appends.
    /// </summary>
    public static string Describe(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            int actual = message.IndexOf(Environment.NewLine + "Actual value was", StringComparison.Ordinal);
            if (actual >= 0) message = message[..actual];
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }
        return message.ReplaceLineEndings(" ");
    }

    private static int Report(Exception e, int code)
    {
        Console.Error.WriteLine($"error: {Describe(e)}");
        if (Verbose) Console.Error.WriteLine(e);
        return code;
    }
}
