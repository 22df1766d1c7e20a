using Ssd.Model.Checkpoints;
using Ssd.Model.Data;

namespace SsdStream.Service.Commands;

/// <summary>Turns the errors a user can cause into one clear line on stderr and an exit code.</summary>
internal static class CommandErrors
{
    public const int Failure = 1;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return Failure;
        }
    }

    /// <summary>The message without .NET's " (Parameter 'x')" suffix.</summary>
    public static string Describe(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return Failure;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is CheckpointException or DatasetException or FileNotFoundException or DirectoryNotFoundException or ArgumentException
            or InvalidOperationException or InvalidDataException or UnauthorizedAccessException or IOException
            or FormatException;
}
