namespace MlNetExtensions;

/// <summary>The column names ML.NET's trainers default to.</summary>
internal static class DefaultColumnNames
{
    public const string Label = "Label";
    public const string Features = "Features";
}
