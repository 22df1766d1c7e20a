using System.Text.RegularExpressions;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Hides credentials in camera URLs before anything is logged or published: the password of the user
/// info (<c>rtsp://user:secret@host</c>, also when the password holds a raw <c>@</c> or <c>/</c>) and the
/// value of every query parameter whose name says it is a secret (<c>?user=admin&amp;password=secret</c>,
/// <c>pwd</c>, <c>token</c>, <c>key</c>, <c>auth</c>, <c>sig</c>...), as Reolink, Dahua and cloud cameras use.
/// </summary>
public static partial class UrlMasker
{
    private const string Hidden = "***";

    /// <summary>
    /// <c>rtsp://user:secret@host/x?password=p</c> becomes <c>rtsp://user:***@host/x?password=***</c>, in
    /// every URL of <paramref name="text"/>; other text is unchanged.
    /// </summary>
    public static string Mask(string text) => UrlToken().Replace(text, m => m.Groups["scheme"].Value + MaskRest(m.Groups["rest"].Value));

    /// <summary>Masks the URLs in <paramref name="text"/> and also every occurrence of the secrets of <paramref name="url"/> (for a child process's output).</summary>
    public static string MaskIn(string text, string url)
    {
        var masked = Mask(text);
        foreach (var secret in SecretsOf(url).Where(s => s.Length >= 3).OrderByDescending(s => s.Length))
        {
            masked = masked.Replace(secret, Hidden, StringComparison.Ordinal);
        }
        return masked;
    }

    /// <summary>The password and the secret query values of a URL.</summary>
    private static IEnumerable<string> SecretsOf(string url)
    {
        var m = UrlToken().Match(url);
        if (!m.Success) yield break;
        var rest = m.Groups["rest"].Value;
        // A password (after the user's ':'), not a lone user name.
        if (Secret(rest) is { } secret && secret.Start.Value > 0) yield return rest[secret];
        foreach (Match q in SecretParameter().Matches(rest)) yield return q.Groups["value"].Value;
    }

    /// <summary>Everything after <c>scheme://</c>, with the password and secret query values hidden.</summary>
    private static string MaskRest(string rest)
    {
        if (Secret(rest) is { } secret) rest = rest[..secret.Start] + Hidden + rest[secret.End..];
        return SecretParameter().Replace(rest, q => q.Groups["key"].Value + "=" + Hidden);
    }

    /// <summary>
    /// What of the user info is hidden, in the part after <c>scheme://</c>: the password (after the user's
    /// <c>:</c>), or all of it when it has no <c>:</c> (a token); null without user info.
    /// </summary>
    private static Range? Secret(string rest)
    {
        int at = UserInfoEnd(rest);
        if (at <= 0) return null;
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        return new Range(colon >= 0 && colon < at ? colon + 1 : 0, at);
    }

    /// <summary>
    /// Where the user info ends (the index of its <c>@</c>), or -1. Like ffmpeg, the last <c>@</c> of the
    /// authority counts, so a password may hold a raw <c>@</c>. A raw <c>/</c> in a password ends the
    /// authority early; when what precedes it looks like <c>user:password</c> (not <c>host:port</c>), the
    /// last <c>@</c> before the query is taken instead: masking too much beats leaking.
    /// </summary>
    private static int UserInfoEnd(string rest)
    {
        int authorityEnd = rest.IndexOfAny(['/', '?', '#']);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        int at = authority.LastIndexOf('@');
        if (at >= 0) return at;
        int colon = authority.IndexOf(':', StringComparison.Ordinal);
        bool looksLikePassword = colon >= 0 && !authority[(colon + 1)..].All(char.IsAsciiDigit);
        if (!looksLikePassword) return -1;
        int queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var beforeQuery = queryStart < 0 ? rest : rest[..queryStart];
        return beforeQuery.LastIndexOf('@');
    }

    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?<rest>[^\s'""<>]*)")]
    private static partial Regex UrlToken();

    [GeneratedRegex(@"(?<=[?&;])(?<key>[A-Za-z0-9_.-]*(?:pass|pwd|token|secret|key|auth|sig|credential)[A-Za-z0-9_.-]*)=(?<value>[^&#\s'""]*)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}
