using System.CommandLine;
using SsdStream.Service.Hosting;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream run [--config file] [--Key=value ...]</c>: the daemon.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Extra configuration file, over appsettings.json" };
        var run = new Command("run", "Run the detection daemon (configuration: appsettings.json, --config, SSDSTREAM__* variables, --Key=value overrides)") { config };
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetAction((parse, cancellation) => DaemonHost.RunAsync(parse.GetValue(config), parse.UnmatchedTokens, cancellation));
        return run;
    }
}
