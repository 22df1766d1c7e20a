using System.Runtime.InteropServices;
using System.Text;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Makes every thread of the process allocate from glibc's main malloc arena by starting the
/// executable again, in place (same PID, same arguments), with <c>MALLOC_ARENA_MAX=1</c>.
/// <para>
/// Why: glibc gives each new thread an arena of its own, and an arena other than the main one cannot
/// hold a block over 64 MiB, so it maps every such block with mmap and unmaps it on free whatever
/// <c>mallopt</c> says. The inference thread is such a thread: at batch 8 SSDLite's largest activation
/// is 69 MB, and each batch page-faulted it in again. Measured on 2 cores, one camera reading a 640x480
/// file at full speed, batch 8: 5.6 frames/s through the pipeline against 43 images/s for the network
/// alone on the main thread; with one arena 39.2 against 38.5. The arena count is fixed once threads
/// exist, and the .NET runtime starts threads before <c>Main</c>, so only the environment at exec time
/// can set it.
/// </para>
/// </summary>
internal static class SingleMallocArena
{
    private const string Variable = "MALLOC_ARENA_MAX";

    /// <summary>
    /// Re-executes this process with <c>MALLOC_ARENA_MAX=1</c> unless the variable is set already (a
    /// user's own value is kept) or the C library is not glibc. Returns only when it did not re-execute
    /// (then everything works as before, only large batches on other threads are slower).
    /// </summary>
    public static void Ensure()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) != null) return;
        if (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) == true) return;
        if (!IsGlibc()) return;
        string[] argv;
        try
        {
            argv = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return;
        }
        if (argv.Length == 0 || argv[0].Length == 0) return;

        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}")
            .Append($"{Variable}=1")
            .ToList();
        // Both arrays end with a null pointer, as execve wants. (LPStr is UTF-8 on Unix.)
        string?[] args = [.. argv, null];
        string?[] envp = [.. environment, null];
        _ = Execve("/proc/self/exe", args, envp);
        // Still here: the exec failed (the binary replaced meanwhile, a sandbox forbidding it); carry on.
    }

    private static bool IsGlibc()
    {
        try
        {
            return GnuGetLibcVersion() != IntPtr.Zero;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] envp);
}
