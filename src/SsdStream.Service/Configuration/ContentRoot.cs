namespace SsdStream.Service.Configuration;

/// <summary>
/// The directory relative paths of the configuration start from: <c>SSDSTREAM_ROOT</c> when set (the
/// launcher sets it to the repository), else the working directory.
/// </summary>
public sealed class ContentRoot(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public static ContentRoot FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("SSDSTREAM_ROOT") is { Length: > 0 } r ? r : Directory.GetCurrentDirectory());

    public string Resolve(string path) => string.IsNullOrEmpty(path) ? path : System.IO.Path.GetFullPath(path, Path);
}
