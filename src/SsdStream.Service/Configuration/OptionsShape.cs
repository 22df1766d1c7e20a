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
