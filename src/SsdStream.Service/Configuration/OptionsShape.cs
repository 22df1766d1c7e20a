using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SsdStream.Service.Configuration;

/// <summary>
/// Checks a configuration section against the shape of the options type it binds to, before binding:
/// every value that will not convert to its property's type is reported with its key and what it should
/// be (the configuration binder stops at the first one, with the .NET type's full name). Enum values must
/// be one of the enum's names (the binder would also take an undefined number).
/// </summary>
public static class OptionsShape
{
    /// <summary>Every value under <paramref name="section"/> that would not bind to <paramref name="type"/>, as "key: message".</summary>
    public static IReadOnlyList<string> ConversionErrors(IConfigurationSection section, Type type)
    {
        var errors = new List<string>();
        Walk(section, type, errors);
        return errors;
    }

    /// <summary>
    /// Every key under <paramref name="section"/> that no property of <paramref name="type"/> binds (the binder
    /// ignores them without a word), as "key (did you mean X?)" with the closest known key when one is close.
    /// </summary>
    public static IReadOnlyList<string> UnknownKeys(IConfigurationSection section, Type type)
    {
        var unknown = new List<string>();
        WalkKeys(section, type, unknown);
        return unknown;
    }

    private static void WalkKeys(IConfigurationSection section, Type type, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var property = FindProperty(type, child.Key);
            if (property is null)
            {
                var closest = Closest(child.Key, BindableProperties(type).Select(p => p.Name));
                var parent = section.Path;
                unknown.Add(closest is null ? $"{child.Path} is not a known key" : $"{child.Path} is not a known key (did you mean {parent}:{closest}?)");
                continue;
            }
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsSimple(target)) continue;
            if (ElementType(target) is { } element)
            {
                if (!IsSimple(element)) foreach (var item in child.GetChildren()) WalkKeys(item, element, unknown);
                continue;
            }
            WalkKeys(child, target, unknown);
        }
    }

    /// <summary>The candidate nearest to <paramref name="key"/> by edit distance, if it is within a third of the key's length.</summary>
    internal static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = EditDistance(key.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    /// <summary>
    /// Levenshtein distance (insertions, deletions, substitutions). Written here because none of the
    /// libraries we keep exposes one, and a key name is a few dozen characters at most.
    /// </summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>How users write an enum's values: its member names in lower case.</summary>
    public static IReadOnlyList<string> AllowedValues(Type enumType) =>
        Enum.GetNames(enumType).Select(n => n.ToLowerInvariant()).ToArray();

    private static void Walk(IConfigurationSection section, Type type, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var property = FindProperty(type, child.Key);
            if (property is null) continue; // unknown keys are reported elsewhere, as warnings
            CheckValue(child, property.PropertyType, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (IsSimple(target))
        {
            if (section.Value is { } value && Describe(value, target) is { } problem) errors.Add($"{section.Path}: {problem}");
            return;
        }
        if (ElementType(target) is { } element)
        {
            foreach (var item in section.GetChildren()) CheckValue(item, element, errors);
            return;
        }
        Walk(section, target, errors);
    }

    /// <summary>Why <paramref name="value"/> does not convert to <paramref name="type"/>, or null when it does.</summary>
    private static string? Describe(string value, Type type)
    {
        if (type == typeof(string)) return null;
        if (type.IsEnum)
        {
            bool named = Enum.TryParse(type, value, ignoreCase: true, out var parsed) && !int.TryParse(value, out _) && Enum.IsDefined(type, parsed!);
            return named ? null : $"'{value}' is not allowed; use one of {string.Join(", ", AllowedValues(type))}";
        }
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException
            || e.InnerException is FormatException or OverflowException)
        {
            return $"'{value}' is not {Kind(type)}";
        }
    }

    private static string Kind(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(float) || type == typeof(double) || type == typeof(decimal) => "a number",
        _ => $"a valid {type.Name}",
    };

    /// <summary>The bindable property of <paramref name="type"/> a key names (case-insensitive, as the binder matches).</summary>
    internal static PropertyInfo? FindProperty(Type type, string key) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.SetMethod is { IsPublic: true } && string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The bindable properties of a type (those with a public setter or init).</summary>
    internal static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });

    internal static bool IsSimple(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset);

    /// <summary>The element type of a list or array property, or null.</summary>
    internal static Type? ElementType(Type type)
    {
        if (type == typeof(string)) return null;
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type)) return type.GetGenericArguments()[0];
        return null;
    }

    internal static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
