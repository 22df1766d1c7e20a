using TorchSharp;

namespace Ssd.Model.Tests;

/// <summary>
/// One dispose scope per test: every tensor a test creates, temporaries included, is disposed when the
/// test ends, on its own thread, never by the finalizer thread. TorchSharp hands raw handles to native
/// code, so a temporary (<c>a.equal(b).all()</c>) whose wrapper the GC finalizes during the native call
/// is freed under it: a use-after-free that crashed the test host (segfaults in libtorch's
/// make_reduction and as_strided while tests ran in parallel on a loaded machine).
/// </summary>
internal static class TorchScope
{
    public static DisposeScope Open() => torch.NewDisposeScope();
}
