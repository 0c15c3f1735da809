using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork.Heads;

namespace MlNetExtensions.NeuralNetwork.Scoring;

/// <summary>
/// How an MLP maps one input schema to its output schema: which output columns it computes (the output layer's, by the
/// task head) and which input column each other output column passes through.
/// </summary>
internal sealed class MlpScoringPlan
{
    private readonly int[] _sourceOf;

    /// <param name="network">The network (read-only while scoring; shared by every cursor).</param>
    /// <param name="head">The task head, which computes the output columns from the logits.</param>
    /// <param name="featureColumnName">The feature column the network reads.</param>
    /// <param name="inputSchema">The schema of the data being scored.</param>
    /// <param name="outputSchema">The schema ML.NET's own saved chain gives for <paramref name="inputSchema"/>.</param>
    public MlpScoringPlan(MlpNetwork network, MlpTaskHead head, string featureColumnName, DataViewSchema inputSchema, DataViewSchema outputSchema)
    {
        Network = network;
        Head = head;
        FeatureColumnName = featureColumnName;
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        var ours = new HashSet<string>(head.OutputColumnNames, StringComparer.Ordinal);
        _sourceOf = new int[outputSchema.Count];
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var column in outputSchema)
        {
            int r = rank.GetValueOrDefault(column.Name);
            rank[column.Name] = r + 1;
            if (ours.Contains(column.Name) && !column.IsHidden) _sourceOf[column.Index] = -1;
            else if ((column.IsHidden ? FindInput(inputSchema, column.Name, r) : inputSchema.GetColumnOrNull(column.Name)?.Index) is { } source) _sourceOf[column.Index] = source;
            else throw new InvalidOperationException($"Output column '{column.Name}' of the MLP has no source in its input.");
        }
    }

    public MlpNetwork Network { get; }
    public MlpTaskHead Head { get; }
    public string FeatureColumnName { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    /// <summary>True for the columns the output layer computes.</summary>
    public bool IsOutput(DataViewSchema.Column column) => _sourceOf[column.Index] < 0;

    /// <summary>The input column that output column <paramref name="column"/> passes through.</summary>
    public DataViewSchema.Column InputColumnFor(DataViewSchema.Column column) => InputSchema[_sourceOf[column.Index]];

    /// <summary>The input columns needed to serve <paramref name="outputColumns"/>, apart from the prediction itself.</summary>
    public DataViewSchema.Column[] InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
        => outputColumns.Where(c => !IsOutput(c)).Select(InputColumnFor).Distinct().ToArray();

    /// <summary>
    /// The input column a hidden output column passes through (a visible one passes the visible input column of its name):
    /// hidden columns are kept only where nothing was removed, so the r-th output column of a name is the r-th input
    /// column of that name.
    /// </summary>
    private static int? FindInput(DataViewSchema input, string name, int rank)
    {
        foreach (var column in input)
            if (column.Name == name && rank-- == 0) return column.Index;
        return null;
    }
}
