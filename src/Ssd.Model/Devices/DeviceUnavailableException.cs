namespace Ssd.Model.Devices;

/// <summary>The device asked for does not exist here (CUDA without a GPU or without the CUDA build, or cuda:N past the last GPU).</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
