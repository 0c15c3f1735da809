using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Data;

/// <summary>
/// The schema checks at the boundary, with ML.NET's own exception contract: a trainer given a missing or mistyped column
/// throws <see cref="ArgumentOutOfRangeException"/> (parameter <c>inputSchema</c>, or <c>labelCol</c> for a mistyped label,
/// as ML.NET's trainers name them); a fitted transformer given a feature column of another width throws
/// <see cref="InvalidOperationException"/> at <c>Transform</c>. Messages start as ML.NET's do ("Could not find feature column
/// 'X'", "Schema mismatch for label column 'Y': expected …, got …") and go on to say what to do.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208:Instantiate argument exceptions correctly",
    Justification = "ML.NET's trainers name the schema 'inputSchema' (and a mistyped label 'labelCol') in their schema exceptions; code written for them matches on it.")]
internal static class ColumnChecks
{
    private const string SchemaParameter = "inputSchema";
    private const string LabelParameter = "labelCol";

    /// <summary>The column named <paramref name="name"/> in its role ("feature", "label", "weight").</summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no such column; the message lists the columns there are.</exception>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (name is null) throw new ArgumentNullException(nameof(name), $"The {role} column name must not be null.");
        return schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(SchemaParameter,
            $"Could not find {role} column '{name}' in the data. Available columns: " +
            $"{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
    }

    /// <summary>The width of a feature column, which must be a known-size vector of Single.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not; the message says what it is and how to convert it.</exception>
    public static int FeatureWidth(DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single)
        {
            if (!vector.IsKnownSize)
                throw Mismatch(SchemaParameter, "feature", column,
                    "known-size vector of Single", " It is a variable-size vector: give it a fixed width (e.g. through FeaturizeText or a fixed-size mapping).");
            return vector.Size;
        }
        string hint = column.Type is VectorDataViewType or PrimitiveDataViewType && column.Type.RawType != typeof(float)
            ? " Convert it with mlContext.Transforms.Conversion.ConvertType(..., DataKind.Single)."
            : column.Type == NumberDataViewType.Single ? " Gather scalar columns with mlContext.Transforms.Concatenate(\"Features\", ...)." : "";
        throw Mismatch(SchemaParameter, "feature", column, "known-size vector of Single", hint);
    }

    /// <summary>The class count a label column implies (2 for binary, the key count for multiclass, 0 for regression).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label's type does not suit the task.</exception>
    public static int LabelClassCount(DataViewSchema.Column column, LabelKind kind)
    {
        switch (kind)
        {
            case LabelKind.Regression or LabelKind.Count:
                if (column.Type != NumberDataViewType.Single)
                    throw Mismatch(LabelParameter, "label", column, "Single", " Regression needs a Single label; convert it with ConvertType(..., DataKind.Single).");
                return 0;
            case LabelKind.Binary:
                if (column.Type != BooleanDataViewType.Instance && column.Type != NumberDataViewType.Single)
                    throw Mismatch(LabelParameter, "label", column, "Boolean or Single (0/1)", " Binary classification needs a Boolean label or a Single label holding 0 and 1.");
                return 2;
            case LabelKind.Multiclass:
                if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint))
                    throw Mismatch(LabelParameter, "label", column, "a key type",
                        $" Multiclass classification needs a key label: convert it with mlContext.Transforms.Conversion.MapValueToKey(\"{column.Name}\").");
                if (key.Count < 2 || key.Count > int.MaxValue)
                    throw new ArgumentOutOfRangeException(LabelParameter,
                        $"Label column '{column.Name}' has {key.Count} classes; multiclass classification needs at least 2.");
                return (int)key.Count;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>An example weight column must be Single.</summary>
    public static void Weight(DataViewSchema.Column column)
    {
        if (column.Type != NumberDataViewType.Single)
            throw Mismatch(SchemaParameter, "weight", column, "Single", "");
    }

    /// <summary>
    /// Checks, when a fitted model meets new data, that the feature column is there and has the training width: missing
    /// (or not a vector of Single) throws <see cref="ArgumentOutOfRangeException"/>; another width throws
    /// <see cref="InvalidOperationException"/> when <paramref name="transforming"/> (as ML.NET's prediction transformers do
    /// from <c>Transform</c>, <c>GetRowToRowMapper</c> and <c>PredictionEngine</c>), <see cref="ArgumentOutOfRangeException"/>
    /// from <c>GetOutputSchema</c>.
    /// </summary>
    public static void FeatureColumnForModel(DataViewSchema schema, string featureColumnName, int expectedWidth, bool transforming)
    {
        var column = Find(schema, featureColumnName, "feature");
        int actual = FeatureWidth(column);
        if (actual == expectedWidth) return;
        string message = $"Schema mismatch for feature column '{featureColumnName}': expected Vector<Single, {expectedWidth}>, got " +
            $"{column.Type}. The model was trained on {expectedWidth} features; the data now has {actual} (did the featurization change since Fit?).";
        throw transforming ? new InvalidOperationException(message) : new ArgumentOutOfRangeException(SchemaParameter, message);
    }

    private static ArgumentOutOfRangeException Mismatch(string parameter, string role, DataViewSchema.Column column, string expected, string hint)
        => new(parameter, $"Schema mismatch for {role} column '{column.Name}': expected {expected}, got {column.Type}.{hint}");
}
