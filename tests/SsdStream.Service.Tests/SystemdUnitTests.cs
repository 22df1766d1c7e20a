using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SsdStream.Service.Tests;

/// <summary>
/// The unit files in systemd/ as systemd reads them: systemd-analyze verifies them without a warning, and
/// the template for several instances on one host is sandboxed at least as tightly as the single unit.
/// They are checked inside a folder laid out as a machine's root (the system's own units, the files, a
/// stand-in for /opt/ssdstream/ssdstream), since verify wants every unit they name and their executable.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SystemdUnitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ssd-systemd-").FullName;

    public SystemdUnitTests()
    {
        var units = Directory.CreateDirectory(Path.Combine(_root, "etc", "systemd", "system")).FullName;
        foreach (var unit in new[] { "ssdstream.service", "ssdstream@.service" })
            File.Copy(Path.Combine(ReadmeTests.RepositoryRoot(), "systemd", unit), Path.Combine(units, unit));
        CopyTree("/usr/lib/systemd/system", Path.Combine(_root, "usr", "lib", "systemd", "system"));
        var executable = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "opt", "ssdstream")).FullName, "ssdstream");
        File.WriteAllText(executable, "#!/bin/sh\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo) CopyTree(entry.FullName, target);
            else File.Copy(entry.FullName, target);
        }
    }

    private (int Code, string Output) Analyze(params string[] args)
    {
        var start = new ProcessStartInfo("systemd-analyze") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.ArgumentList.Add($"--root={_root}");
        start.Environment["SYSTEMD_COLORS"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, (output.Result + error.Result).Trim());
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex Exposure();

    private double ExposureOf(string unit)
    {
        var (code, output) = Analyze("security", "--offline=true", unit);
        var match = Exposure().Match(output);
        Assert.True(code == 0 && match.Success, $"systemd-analyze security {unit} exited {code}:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void BothUnits_VerifyWithoutAWarning_AndTheTemplateIsNoMoreExposedThanTheSingleUnit()
    {
        // verify exits 0 even when it ignores a line it cannot parse: its silence is the pass.
        var (code, output) = Analyze("verify", "ssdstream.service", "ssdstream@north.service");
        Assert.True(code == 0 && output.Length == 0, $"systemd-analyze verify exited {code}:\n{output}");

        double single = ExposureOf("ssdstream.service");
        double template = ExposureOf("ssdstream@north.service");
        Assert.True(template <= single, $"ssdstream@.service exposure {template} > ssdstream.service {single}");
        Assert.True(single < 2, $"ssdstream.service exposure {single} (it was 1.7)");
    }
}
