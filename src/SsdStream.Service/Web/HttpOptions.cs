using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SsdStream.Service.Web;

/// <summary>
/// The web interface and HTTP API (<c>SsdStream:Http</c>). Loopback by default; any other address needs a
/// token (<see cref="TokenSha256"/>) or an explicit <see cref="AllowAnonymous"/>.
/// </summary>
public sealed class HttpOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Where Kestrel listens, separated by ';' as ASP.NET Core's urls.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>
    /// The SHA-256 of the API token, in hex (<c>printf %s "$TOKEN" | sha256sum</c>); clients send
    /// <c>Authorization: Bearer &lt;token&gt;</c> or <c>?token=</c>. Only the hash is stored.
    /// </summary>
    public string TokenSha256 { get; set; } = "";

    /// <summary>Serve a non-loopback address without a token (a trusted network only).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Frames per second of each live MJPEG stream.</summary>
    public double MjpegFps { get; set; } = 3;

    public IReadOnlyList<Uri> ParsedUrls() =>
        Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : throw new FormatException($"'{u}' is not a URL"))
            .ToList();

    /// <summary>Whether every URL listens on loopback only.</summary>
    public bool LoopbackOnly() => ParsedUrls().All(u => u.IsLoopback || (IPAddress.TryParse(u.Host, out var a) && IPAddress.IsLoopback(a)));

    /// <summary>Whether <paramref name="token"/> is the configured one (compared by hash, in constant time).</summary>
    public bool Accepts(string? token)
    {
        if (string.IsNullOrEmpty(token) || TokenSha256.Length != 64) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(TokenSha256);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(hash, expected);
    }

    /// <summary>One line per bad setting, naming the property.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled) return errors;
        IReadOnlyList<Uri> urls;
        try
        {
            urls = ParsedUrls();
        }
        catch (FormatException e)
        {
            return [$"Urls: {e.Message}"];
        }
        if (urls.Count == 0) errors.Add("Urls: no URL given");
        if (urls.Any(u => u.Scheme != "http")) errors.Add($"Urls: only http:// is served (put a TLS proxy in front); got '{Urls}'");
        if (TokenSha256.Length > 0 && (TokenSha256.Length != 64 || !TokenSha256.All(Uri.IsHexDigit)))
            errors.Add("TokenSha256: must be the 64 hex digits of the token's SHA-256 (printf %s \"$TOKEN\" | sha256sum)");
        if (errors.Count == 0 && !LoopbackOnly() && TokenSha256.Length == 0 && !AllowAnonymous)
            errors.Add($"Urls: '{Urls}' is reachable from other machines; set Http:TokenSha256, or Http:AllowAnonymous=true on a trusted network");
        if (!(MjpegFps is > 0 and <= 30)) errors.Add($"MjpegFps: must be in (0, 30] (got {MjpegFps})");
        return errors;
    }
}
