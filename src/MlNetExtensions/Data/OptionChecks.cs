namespace MlNetExtensions.Data;

/// <summary>Checks of trainer options at the boundary; each message names the option and the value it got.</summary>
internal static class OptionChecks
{
    public static void ColumnName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{option} must name a column, but is {(name is null ? "null" : $"'{name}'")}.", option);
    }

    public static void NonNegativeFinite(double value, string option)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be a finite number ≥ 0, but is {value}.");
    }

    public static void PositiveFinite(double value, string option)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be a finite number > 0, but is {value}.");
    }

    public static void Positive(int value, string option)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be > 0, but is {value}.");
    }

    public static void InHalfOpenUnitInterval(double value, string option)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(option, value, $"{option} must lie in [0, 1), but is {value}.");
    }

    public static void InOpenUnitInterval(double value, string option)
    {
        if (!(value > 0 && value < 1))
            throw new ArgumentOutOfRangeException(option, value, $"{option} must lie strictly between 0 and 1, but is {value}.");
    }
}
