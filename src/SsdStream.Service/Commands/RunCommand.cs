using System.CommandLine;
using SsdStream.Service.Hosting;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream run [--config file] [--Key=value ...]</c>: the daemon.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = "Extra configuration file (JSON, keys under \"SsdStream\") over appsettings.json; a relative path starts at the current folder",
        };
        var check = new Option<bool>("--check")
        {
            Description = "Check the configuration and what it names (model, device, folders, ports), print what would run, and exit (0: it would start; 78: it would not)",
        };
        var run = new Command("run", """
            Run the detection daemon.
            Configuration, later wins: appsettings.json at the content root (SSDSTREAM_ROOT, else the current
            folder), --config <file>, environment variables SSDSTREAM__Section__Key, and overrides
            --Section:Key=value on this command line (keys relative to SsdStream, e.g. --Mqtt:Host=broker.lan
            --Cameras:0:Source=rtsp://...). Every key is listed in the README. A bad value stops the start
            with exit code 78 and a line naming the key. --check stops there: it checks the configuration and
            what it names (model file, device, recording folder, events store, ports) and exits 0 when the
            daemon would start, 78 when not, without starting anything.
            """) { config, check };
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetAction((parse, cancellation) =>
        {
            // Like every other path given on the command line, --config starts at the current folder.
            var file = parse.GetValue(config) is { Length: > 0 } c ? Path.GetFullPath(c) : null;
            return DaemonHost.RunAsync(file, parse.UnmatchedTokens, parse.GetValue(check), cancellation);
        });
        return run;
    }
}
