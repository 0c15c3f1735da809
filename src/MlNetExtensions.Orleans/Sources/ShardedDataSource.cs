using Microsoft.ML.Data;
using MlNetExtensions.Sharding;

namespace MlNetExtensions;

/// <summary>
/// Training data held in shards that every silo of an Orleans cluster can read (paths on a file system all silos mount, or
/// <c>file://</c> URIs), in one format with one set of column definitions, optionally followed by a saved ML.NET
/// featurization pipeline that each silo loads with <c>mlContext.Model.Load</c> and applies to its shard, so every shard is
/// featurized identically. The rows of the fit are the shards' rows in shard order.
/// </summary>
/// <remarks>
/// Create it with <see cref="FromTextFiles"/> (CSV, TSV, … through ML.NET's <see cref="TextLoader"/>) or
/// <see cref="FromParquetFiles"/>. The featurization pipeline is a zip written by <c>mlContext.Model.Save</c> of a transformer
/// fitted beforehand (for example on a sample) whose input schema is the one the column definitions give; its output must
/// hold the trainer's label, feature (a known-size vector of Single) and weight columns.
/// </remarks>
public sealed class ShardedDataSource
{
    private ShardedDataSource(IReadOnlyList<string> shards, ShardFormatSpec format, string? featurizationModelPath)
    {
        Shards = shards;
        Format = format;
        FeaturizationModelPath = featurizationModelPath;
    }

    /// <summary>The shard paths, in the order their rows make up the training data.</summary>
    public IReadOnlyList<string> Shards { get; }

    /// <summary>The saved ML.NET pipeline each silo applies to its shard, or null to train on the loaded columns as they are.</summary>
    public string? FeaturizationModelPath { get; }

    internal ShardFormatSpec Format { get; }

    /// <summary>
    /// Text shards read by ML.NET's <see cref="TextLoader"/> with <paramref name="columns"/>, as
    /// <c>mlContext.Data.LoadFromTextFile(path, columns, separatorChar, hasHeader, allowQuoting)</c> reads one file (the same
    /// defaults: tab-separated, no header, no quoting).
    /// </summary>
    /// <param name="shards">The shard paths (or <c>file://</c> URIs), readable from every silo.</param>
    /// <param name="columns">The columns to load, as for <c>LoadFromTextFile</c>.</param>
    /// <param name="separatorChar">The field separator. Default tab.</param>
    /// <param name="hasHeader">Whether each shard starts with a header line; every shard's header must then equal the first's. Default false.</param>
    /// <param name="allowQuoting">Whether fields may be quoted. Default false.</param>
    /// <param name="featurizationModelPath">A saved ML.NET pipeline each silo applies to its shard (see the remarks of this class).</param>
    /// <exception cref="ArgumentException">No shard, a blank path, no column, a column without a source range or with a null one, or two columns of one name.</exception>
    public static ShardedDataSource FromTextFiles(IEnumerable<string> shards, TextLoader.Column[] columns, char separatorChar = '\t',
        bool hasHeader = false, bool allowQuoting = false, string? featurizationModelPath = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var specs = columns.Select(c =>
        {
            ArgumentNullException.ThrowIfNull(c, nameof(columns));
            if (c.Source is null || c.Source.Length == 0)
                throw new ArgumentException($"Column '{c.Name}' has no source range: say which fields of a line it reads.", nameof(columns));
            int missing = Array.IndexOf(c.Source, null);
            if (missing >= 0)
                throw new ArgumentException($"Column '{c.Name}' has a null source range (entry {missing} of its {c.Source.Length}): every entry must be a range.", nameof(columns));
            var ranges = c.Source.Select(r => new ShardRange(r.Min, r.Max, r.AutoEnd, r.VariableEnd, r.AllOther, r.ForceVector)).ToArray();
            return new ShardColumn(c.Name, (int)c.DataKind, ranges, c.KeyCount is not null, c.KeyCount?.Count, []);
        }).ToArray();
        var format = new ShardFormatSpec(ShardFileKind.Text, separatorChar, hasHeader, allowQuoting, CheckColumns(specs));
        return new ShardedDataSource(CheckShards(shards), format, CheckModelPath(featurizationModelPath));
    }

    /// <summary>
    /// Parquet shards (read by Parquet.Net, fully managed): each column of the data view is one Parquet column, or several
    /// numeric ones as a vector (see <see cref="ParquetColumn"/>). Numeric Parquet columns load as Single (nulls as NaN, so
    /// their rows are skipped like missing values), Boolean columns as Boolean and strings as text.
    /// </summary>
    /// <param name="shards">The shard paths (or <c>file://</c> URIs), readable from every silo.</param>
    /// <param name="columns">The columns to load.</param>
    /// <param name="featurizationModelPath">A saved ML.NET pipeline each silo applies to its shard (see the remarks of this class).</param>
    /// <exception cref="ArgumentException">No shard, a blank path, no column, or two columns of one name.</exception>
    public static ShardedDataSource FromParquetFiles(IEnumerable<string> shards, ParquetColumn[] columns, string? featurizationModelPath = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var specs = columns.Select(c =>
        {
            ArgumentNullException.ThrowIfNull(c, nameof(columns));
            return new ShardColumn(c.Name, 0, [], false, null, c.SourceColumns.ToArray());
        }).ToArray();
        var format = new ShardFormatSpec(ShardFileKind.Parquet, ',', false, false, CheckColumns(specs));
        return new ShardedDataSource(CheckShards(shards), format, CheckModelPath(featurizationModelPath));
    }

    private static string[] CheckShards(IEnumerable<string> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var list = shards.ToArray();
        if (list.Length == 0) throw new ArgumentException("A sharded data source needs at least one shard.", nameof(shards));
        for (int i = 0; i < list.Length; i++)
            if (string.IsNullOrWhiteSpace(list[i])) throw new ArgumentException($"Shard {i} has a blank path.", nameof(shards));
        return list;
    }

    private static ShardColumn[] CheckColumns(ShardColumn[] columns)
    {
        if (columns.Length == 0) throw new ArgumentException("Define at least one column to load.", nameof(columns));
        foreach (var column in columns)
            if (string.IsNullOrWhiteSpace(column.Name)) throw new ArgumentException("A column has a blank name.", nameof(columns));
        var duplicate = columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two columns are named '{duplicate.Key}'.", nameof(columns));
        return columns;
    }

    private static string? CheckModelPath(string? featurizationModelPath)
    {
        if (featurizationModelPath is not null && string.IsNullOrWhiteSpace(featurizationModelPath))
            throw new ArgumentException("The featurization model path is blank; pass null for no featurization.", nameof(featurizationModelPath));
        return featurizationModelPath;
    }
}

/// <summary>A column of a Parquet shard's data view: one Parquet column, or several numeric ones as a vector of Single.</summary>
public sealed class ParquetColumn
{
    /// <summary>A column named <paramref name="name"/> from the Parquet columns <paramref name="sourceColumns"/> (none: the Parquet column of the same name).</summary>
    /// <exception cref="ArgumentException">A blank name or source column.</exception>
    public ParquetColumn(string name, params string[] sourceColumns)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A column needs a name.", nameof(name));
        ArgumentNullException.ThrowIfNull(sourceColumns);
        if (sourceColumns.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException($"Column '{name}' has a blank source column.", nameof(sourceColumns));
        Name = name;
        SourceColumns = sourceColumns.Length == 0 ? [name] : [.. sourceColumns];
    }

    /// <summary>The column's name in the data view.</summary>
    public string Name { get; }

    /// <summary>
    /// The Parquet columns it is read from: one gives a scalar (Single for numbers, Boolean, or text), several numeric ones a
    /// vector of Single in this order.
    /// </summary>
    public IReadOnlyList<string> SourceColumns { get; }
}
