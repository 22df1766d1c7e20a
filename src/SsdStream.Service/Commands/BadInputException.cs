namespace SsdStream.Service.Commands;

/// <summary>Input named on the command line that cannot be used; the command exits with <see cref="ExitCodes.BadInput"/>.</summary>
internal sealed class BadInputException(string message) : Exception(message);
