using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Devices;

/// <summary>
/// Process-wide libtorch settings: thread count, and NNPACK switched off. On CPUs without the
/// instructions NNPACK wants, libtorch tries it on every convolution and prints
/// "Could not initialize NNPACK! Reason: Unsupported hardware." each time; libtorch's other CPU
/// kernels are used either way, so we disable it through libtorch's own context switch.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _initialised;

    /// <summary>
    /// Pins torch's intra-op thread count (0 keeps libtorch's default) and disables NNPACK. Safe to call
    /// more than once and from several threads at once: every caller returns only after the one-time part
    /// is done; the last thread count wins.
    /// <para>
    /// It does not touch the process environment: libtorch's OpenMP wait policy (OMP_WAIT_POLICY) has to be
    /// in the environment before libtorch loads, and changing the environment while other threads may read
    /// it can crash the process, so the executable puts it there at exec time.
    /// </para>
    /// </summary>
    public static void Initialise(int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count cannot be negative");
        lock (Gate)
        {
            if (!_initialised)
            {
                KeepFreedMemoryInTheHeap();
                // Loads libtorch through TorchSharp first, so the symbols below resolve.
                _ = torch.cuda.is_available();
                DisableNnpack();
                _initialised = true;
            }
            if (threads > 0) torch.set_num_threads(threads);
        }
    }

    /// <summary>Whether NNPACK is switched off in libtorch's global context (null when that switch cannot be reached).</summary>
    public static bool? NnpackDisabled
    {
        get
        {
            try { return !UserEnabledNnpack(GlobalContext()); }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
        }
    }

    /// <summary>
    /// libtorch's CPU allocator takes tensor memory from glibc's malloc, which serves blocks above its
    /// mmap threshold (at most 32 MiB) with mmap and returns them with munmap on free: every training step
    /// or inference batch then page-faults its activations in again. Measured here: SSDLite training at
    /// batch 16 ran at 1.2 images/s with half the CPU time in the kernel, and at 10 images/s with mmap
    /// switched off. So mmap is switched off and freed memory stays in the heap for the next batch (the
    /// process's RSS then stays at its working set instead of breathing). No-op where mallopt is missing.
    /// </summary>
    private static void KeepFreedMemoryInTheHeap()
    {
        const int mTrimThreshold = -1, mMmapMax = -4;
        try
        {
            Mallopt(mMmapMax, 0);
            Mallopt(mTrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc: its allocator has its own policy.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    private static void DisableNnpack()
    {
        try { SetUserEnabledNnpack(GlobalContext(), false); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Another libtorch build without this symbol: the warning may show, inference is unaffected.
        }
    }

    // at::globalContext() and at::Context::{set,}userEnabledNNPACK of libtorch_cpu (Itanium C++ ABI names).
    [DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);
}
