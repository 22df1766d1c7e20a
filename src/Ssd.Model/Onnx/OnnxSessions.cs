using Microsoft.ML.OnnxRuntime;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Inference;

namespace Ssd.Model.Onnx;

/// <summary>
/// Opens ONNX Runtime sessions with the settings of <see cref="OnnxRuntimeSettings"/>: every graph
/// optimisation, sequential execution, the configured intra-op threads and spinning, and the CUDA provider
/// (TensorRT first when asked) when this build has it and the device allows a GPU.
/// </summary>
public static class OnnxSessions
{
    /// <summary>Whether this build's ONNX Runtime has the CUDA provider (the <c>OnnxRuntimeGpu</c> build).</summary>
    public static bool BuildHasCuda
    {
        get
        {
            try { return OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"); }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException) { return false; }
        }
    }

    /// <summary>Whether ONNX Runtime's native library loads here.</summary>
    public static bool Available
    {
        get
        {
            try { return OrtEnv.Instance().GetAvailableProviders().Length > 0; }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException) { return false; }
        }
    }

    /// <summary>Whether <paramref name="device"/> (auto, cpu, cuda, cuda:N) would run on a GPU with this build's ONNX Runtime.</summary>
    public static bool WantsGpu(string device) => !string.Equals(device.Trim(), "cpu", StringComparison.OrdinalIgnoreCase) && BuildHasCuda;

    /// <summary>
    /// A runner on <paramref name="onnx"/> (an exported graph of <paramref name="description"/>'s model, in
    /// float16 when <paramref name="half"/>). <c>cuda</c> without a GPU or without the GPU build is a
    /// <see cref="DeviceUnavailableException"/>; <c>auto</c> falls back to the CPU.
    /// </summary>
    public static OnnxNetworkRunner Open(byte[] onnx, ModelDescription description, OnnxRuntimeSettings settings, bool half = false)
    {
        var device = settings.Device.Trim().ToLowerInvariant();
        bool mustGpu = device == "cuda" || device.StartsWith("cuda:", StringComparison.Ordinal);
        if (mustGpu && !BuildHasCuda)
            throw new DeviceUnavailableException($"device '{settings.Device}' was asked for, but this build's ONNX Runtime is the CPU one (build with -p:OnnxRuntimeGpu=true, see README: GPU)");
        if (device != "cpu" && BuildHasCuda)
        {
            int id = mustGpu && device.Length > 5 ? int.Parse(device.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture) : 0;
            // auto tries the GPU quietly: a machine without one would otherwise get ONNX Runtime's error lines
            // about the CUDA libraries at every start, for a fallback that is expected.
            var environment = OrtEnv.Instance();
            var logLevel = environment.EnvLogLevel;
            if (!mustGpu) environment.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                return Create(onnx, description, settings, half, options =>
                {
                    if (settings.TensorRt) options.AppendExecutionProvider_Tensorrt(id);
                    options.AppendExecutionProvider_CUDA(id);
                }, settings.TensorRt ? "tensorrt" : "cuda");
            }
            catch (OnnxRuntimeException) when (!mustGpu)
            {
                // auto: no usable GPU here (no device, or CUDA 12 / cuDNN 9 missing); the CPU provider runs it.
            }
            catch (OnnxRuntimeException e)
            {
                throw new DeviceUnavailableException($"device '{settings.Device}': ONNX Runtime's CUDA provider did not start ({e.Message})");
            }
            finally
            {
                environment.EnvLogLevel = logLevel;
            }
        }
        if (half) throw new ArgumentException("a float16 graph runs on the GPU only", nameof(half));
        return Create(onnx, description, settings, false, _ => { }, "cpu");
    }

    private static OnnxNetworkRunner Create(byte[] onnx, ModelDescription description, OnnxRuntimeSettings settings, bool half, Action<SessionOptions> providers, string provider)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", settings.Spinning ? "1" : "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        providers(options);
        var session = new InferenceSession(onnx, options);
        try
        {
            return new OnnxNetworkRunner(session, provider, half, settings.Spinning, description.Architecture.InputSize, description.NumClasses, description.Architecture.BoxConfig.BoxCount);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
