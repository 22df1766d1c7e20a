namespace SsdStream.Service.Web;

/// <summary>
/// Resolves a path a client names to a file inside one folder, or null: no <c>..</c>, no absolute path, no
/// symbolic link anywhere on the way, nothing outside the folder. Every file endpoint goes through it.
/// </summary>
public sealed class RecordingFiles(string root)
{
    private readonly string _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;

    public string Root => _root;

    /// <summary>The file <paramref name="relative"/> names under the folder, or null when it is outside it, a link, or missing.</summary>
    public string? Resolve(string? relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0') || Path.IsPathRooted(relative)) return null;
        var parts = relative.Split('/', '\\');
        if (parts.Any(p => p is "" or "." or "..")) return null;
        var full = Path.GetFullPath(Path.Combine(_root, relative));
        if (!full.StartsWith(_root, StringComparison.Ordinal)) return null;
        return IsPlainFileInside(full) ? full : null;
    }

    /// <summary>Whether an absolute path (one the daemon stored, say) is a plain file inside the folder, with no link on the way.</summary>
    public bool IsPlainFileInside(string full)
    {
        full = Path.GetFullPath(full);
        if (!full.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(full)) return false;
        for (var path = full; path.Length >= _root.Length; path = Path.GetDirectoryName(path)!)
        {
            FileSystemInfo info = path == full ? new FileInfo(path) : new DirectoryInfo(path);
            if (info.LinkTarget != null) return false;
            if (path.Length == _root.Length - 1 || path + Path.DirectorySeparatorChar == _root) break;
        }
        return true;
    }

    /// <summary>The path relative to the folder, with '/' separators (for URLs).</summary>
    public string RelativeOf(string full) => Path.GetRelativePath(_root, full).Replace(Path.DirectorySeparatorChar, '/');
}
