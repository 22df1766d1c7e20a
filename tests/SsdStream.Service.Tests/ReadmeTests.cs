using System.CommandLine;
using System.Reflection;
using System.Text.RegularExpressions;
using SsdStream.Service.Commands;

namespace SsdStream.Service.Tests;

/// <summary>The README's command table and exit-code table say what the command line does.</summary>
public sealed partial class ReadmeTests
{
    private static string Readme() => File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    /// <summary>The repository's folder: the one above the test's folder that holds Ssd.sln.</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ssd.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("no Ssd.sln above the test's folder");
    }

    private static string Section(string readme, string heading)
    {
        int start = readme.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no '{heading}'");
        int end = readme.IndexOf("\n#", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    [GeneratedRegex(@"^\| `\./ssdstream ([^`]*)`", RegexOptions.Multiline)]
    private static partial Regex CommandRow();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex OptionName();

    [Fact]
    public void TheCommandTable_ListsEveryCommandWithExactlyItsOptions()
    {
        var root = Cli.CreateRoot();
        var documented = new HashSet<Command>();
        var problems = new List<string>();
        foreach (Match row in CommandRow().Matches(Section(Readme(), "## Commands")))
        {
            var form = row.Groups[1].Value;
            var words = form.Split(' ').TakeWhile(w => Regex.IsMatch(w, "^[a-z][a-z-]*$")).ToList();
            Command command = root;
            foreach (var word in words)
                command = command.Subcommands.FirstOrDefault(c => c.Name == word) ?? throw new Xunit.Sdk.XunitException($"README documents 'ssdstream {string.Join(' ', words)}', which does not exist");
            documented.Add(command);
            var inReadme = OptionName().Matches(form).Select(m => m.Value).ToHashSet();
            var inHelp = command.Options.Where(o => !o.Hidden && o.Name != "--help" && o.Name != "--version" && o != Cli.Verbose).Select(o => o.Name).ToHashSet();
            foreach (var missing in inHelp.Except(inReadme)) problems.Add($"ssdstream {string.Join(' ', words)}: {missing} is not in the README");
            foreach (var extra in inReadme.Except(inHelp)) problems.Add($"ssdstream {string.Join(' ', words)}: the README names {extra}, which the command does not take");
            // And the real executable's help for the documented command says the same.
            var (code, help) = CommandLineTests.Ssdstream(AppContext.BaseDirectory, [.. words, "--help"]);
            if (code != 0) problems.Add($"ssdstream {string.Join(' ', words)} --help exits {code}");
            foreach (var option in inReadme.Where(o => !help.Contains(o, StringComparison.Ordinal))) problems.Add($"ssdstream {string.Join(' ', words)} --help does not show {option}");
        }
        foreach (var leaf in Leaves(root).Where(c => !documented.Contains(c))) problems.Add($"ssdstream ... {leaf.Name} is not in the README's command table");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheExitCodeTable_HoldsEveryExitCode()
    {
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order().ToList();
        var table = Regex.Matches(Section(Readme(), "### Exit codes"), @"^\| `(\d+)` \|", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).Order().ToList();
        Assert.Equal(codes, table);
    }

    private static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves);
}
