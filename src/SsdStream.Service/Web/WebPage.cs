using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SsdStream.Service.Web;

/// <summary>
/// The web page: plain HTML, CSS and JavaScript embedded in the executable (no build step, no files to
/// deploy), served at <c>/</c>, <c>/app.js</c> and <c>/style.css</c>.
/// </summary>
internal static class WebPage
{
    private static readonly (string Route, string Resource, string Type)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
    ];

    public static void Map(WebApplication app)
    {
        foreach (var (route, resource, type) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(route, () => Results.Bytes(bytes, type)).ExcludeFromDescription();
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream("SsdStream.Service.Web.wwwroot." + name)
            ?? throw new InvalidOperationException($"the web page's {name} is not embedded in the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
