using System.Text.RegularExpressions;

namespace SsdStream.Pipeline.Sources;

/// <summary>Hides credentials in camera URLs before anything is logged or published.</summary>
public static partial class UrlMasker
{
    /// <summary><c>rtsp://user:secret@host/x</c> becomes <c>rtsp://user:***@host/x</c>; other text is unchanged.</summary>
    public static string Mask(string text) => Credentials().Replace(text, m => $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:***@");

    /// <summary>Masks a URL and also every occurrence of its password in <paramref name="text"/> (for a child process's output).</summary>
    public static string MaskIn(string text, string url)
    {
        var masked = Mask(text);
        var password = PasswordOf(url);
        return string.IsNullOrEmpty(password) ? masked : masked.Replace(password, "***", StringComparison.Ordinal);
    }

    private static string? PasswordOf(string url)
    {
        var m = Credentials().Match(url);
        if (!m.Success) return null;
        var p = m.Groups["password"].Value;
        return p.Length >= 3 ? p : null;
    }

    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?<user>[^:/@\s]*):(?<password>[^@/\s]*)@")]
    private static partial Regex Credentials();
}
