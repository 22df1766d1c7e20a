using System.Runtime.InteropServices;
using System.Text;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Gives the process the two environment settings that glibc and libtorch's OpenMP read only once, before
/// <c>Main</c> could set them: <c>MALLOC_ARENA_MAX=1</c> and <c>OMP_WAIT_POLICY=PASSIVE</c>. It starts the
/// executable again, in place (same PID, same arguments), with them added; a value the user set is kept.
/// <para>
/// <c>MALLOC_ARENA_MAX=1</c>: glibc gives each new thread an arena of its own, and an arena other than the
/// main one cannot hold a block over 64 MiB, so it maps every such block with mmap and unmaps it on free
/// whatever <c>mallopt</c> says. The inference thread is such a thread: at batch 8 SSDLite's largest
/// activation is 69 MB, and each batch page-faulted it in again. Measured on 2 cores, one camera reading a
/// 640x480 file at full speed, batch 8: 5.6 frames/s through the pipeline against 43 images/s for the
/// network alone on the main thread; with one arena 39.2 against 38.5. The arena count is fixed once
/// threads exist, and the .NET runtime starts threads before <c>Main</c>.
/// </para>
/// <para>
/// <c>OMP_WAIT_POLICY=PASSIVE</c>: libtorch's OpenMP threads otherwise spin between parallel regions and
/// take the cores the frame decoders need (1 camera at full speed on 2 cores: 44.0 and 43.2 frames/s with
/// PASSIVE, 28.0 and 25.6 without). libgomp reads it once, when libtorch loads. Putting it in the exec's
/// environment avoids <c>setenv</c> in a process whose other threads may be reading the environment
/// (glibc's setenv and getenv are not safe against each other).
/// </para>
/// </summary>
internal static class NativeEnvironment
{
    private const string ArenaVariable = "MALLOC_ARENA_MAX";
    private const string OpenMpVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Re-executes this process with the missing settings added, when <c>MALLOC_ARENA_MAX</c> is missing
    /// (and the C library is glibc, and <c>GLIBC_TUNABLES</c> does not set the arena count). Otherwise,
    /// and when the exec fails, sets only the OpenMP policy in place, which is early enough: nothing has
    /// loaded libtorch yet. Returns only when it did not re-execute.
    /// </summary>
    public static void Ensure()
    {
        if (!OperatingSystem.IsLinux()) return;
        bool arenaMissing = Environment.GetEnvironmentVariable(ArenaVariable) == null
            && Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) != true
            && IsGlibc();
        if (arenaMissing) ReExecute();
        // Still here: the arena count is the user's, or the exec failed.
        if (Environment.GetEnvironmentVariable(OpenMpVariable) == null) SetOpenMpPolicyInPlace();
    }

    private static void ReExecute()
    {
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
            .Append($"{ArenaVariable}=1")
            .ToList();
        if (Environment.GetEnvironmentVariable(OpenMpVariable) == null) environment.Add($"{OpenMpVariable}=PASSIVE");
        // Both arrays end with a null pointer, as execve wants. (LPStr is UTF-8 on Unix.)
        string?[] args = [.. argv, null];
        string?[] envp = [.. environment, null];
        _ = Execve("/proc/self/exe", args, envp);
        // Still here: the exec failed (the binary replaced meanwhile, a sandbox forbidding it); carry on.
    }

    private static void SetOpenMpPolicyInPlace()
    {
        try
        {
            _ = SetEnv(OpenMpVariable, "PASSIVE", 0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // No libc setenv: libgomp keeps its default policy.
        }
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

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] envp);
}
