using System.CommandLine;

namespace SsdStream.Service.Commands;

/// <summary>The command line of <c>ssdstream</c>: its commands, and how a parse error ends (exit 2, one line per error).</summary>
internal static class Cli
{
    /// <summary>Shows the stack trace of a failure along with its one-line message.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print the full error (stack trace) of a failure", Recursive = true };

    public static RootCommand CreateRoot() => new("ssdstream: real-time SSD object detection for cameras, with MQTT and recording")
    {
        Verbose,
        RunCommand.Create(),
        ModelInfoCommand.Create(),
        ImportCommand.Create(),
        DetectCommand.Create(),
        BenchCommand.Create(),
        DatasetCommand.Create(),
        TrainCommand.Create(),
        EvalCommand.Create(),
        EventsCommand.Create(),
        TrackCommand.Create(),
        EvalTrackCommand.Create(),
    };

    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = CreateRoot().Parse(args);
        CommandErrors.Verbose = parse.GetValue(Verbose);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print the errors and the whole help, and exit 1; a wrong argument is
            // bad input (2), and one line per error with a pointer to the help says what is wrong.
            var help = string.Join(' ', ["ssdstream", .. CommandPath(parse.CommandResult), "--help"]);
            for (int i = 0; i < parse.Errors.Count; i++)
                Console.Error.WriteLine($"error: {parse.Errors[i].Message}" + (i == parse.Errors.Count - 1 ? $" (see {help})" : ""));
            return ExitCodes.BadInput;
        }
        // The Generic Host of `run` handles SIGTERM and SIGINT itself (graceful stop within its budget).
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new Stack<string>();
        for (var r = result; r is { Parent: not null }; r = r.Parent as System.CommandLine.Parsing.CommandResult) names.Push(r.Command.Name);
        return names;
    }
}
