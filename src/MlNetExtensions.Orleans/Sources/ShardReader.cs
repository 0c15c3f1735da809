using System.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Data;
using Parquet;
using Parquet.Schema;

namespace MlNetExtensions.Sharding;

/// <summary>
/// Opens a shard on a silo as the data view the trainer reads: the file through ML.NET's <see cref="TextLoader"/> or
/// Parquet.Net with the source's column definitions, then the saved featurization pipeline, if any.
/// </summary>
internal static class ShardReader
{
    /// <summary>The local path of a shard given as a path or a file:// URI.</summary>
    /// <exception cref="NotSupportedException">A URI of another scheme.</exception>
    public static string LocalPath(string shard)
    {
        if (Uri.TryCreate(shard, UriKind.Absolute, out var uri) && !uri.IsFile && uri.Scheme.Length > 1)
            throw new NotSupportedException(
                $"Shard '{shard}' is a {uri.Scheme}:// URI; shards are read from paths that every silo can open (a shared or mounted file system) or file:// URIs.");
        return uri is { IsFile: true } ? uri.LocalPath : shard;
    }

    /// <summary>The shard's rows as loaded, before featurization, and what its file says about its own schema.</summary>
    /// <exception cref="FileNotFoundException">The shard does not exist on this silo.</exception>
    public static async Task<(IDataView View, string[] HeaderFields, string[] SourceColumns)> OpenAsync(MLContext ml, ShardTask task,
        CancellationToken cancellationToken)
    {
        string path = LocalPath(task.Path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Could not find the shard file '{path}'.", path);
        return task.Format.Kind == ShardFileKind.Text
            ? (OpenText(ml, path, task.Format), FirstLineFields(path, task.Format), [])
            : await OpenParquetAsync(path, task.Format, MemoryBudget.For(task.MemoryBudgetBytes), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The featurized view: <paramref name="raw"/> through the source's saved pipeline, or as it is.</summary>
    public static IDataView Featurize(MLContext ml, IDataView raw, ShardTask task)
    {
        if (task.FeaturizationModelPath is null) return raw;
        string path = LocalPath(task.FeaturizationModelPath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Could not find the featurization model '{path}'.", path);
        var pipeline = ml.Model.Load(path, out _);
        return pipeline.Transform(raw);
    }

    private static IDataView OpenText(MLContext ml, string path, ShardFormatSpec format)
    {
        var columns = format.Columns.Select(c => new TextLoader.Column(c.Name, (DataKind)c.DataKind,
            c.Ranges.Select(r => new TextLoader.Range(r.Min) { Max = r.Max, AutoEnd = r.AutoEnd, VariableEnd = r.VariableEnd, AllOther = r.AllOther, ForceVector = r.ForceVector }).ToArray(),
            !c.IsKey ? null : c.KeyCount is { } count ? new KeyCount(count) : new KeyCount())).ToArray();
        var loader = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Columns = columns,
            Separators = [format.Separator],
            HasHeader = format.HasHeader,
            AllowQuoting = format.AllowQuoting,
        });
        return loader.Load(new MultiFileSource(path));
    }

    /// <summary>The first line's fields (the header, when the shards have one): what the shards' schemas are compared by.</summary>
    private static string[] FirstLineFields(string path, ShardFormatSpec format)
    {
        using var reader = new StreamReader(path);
        string? line = reader.ReadLine();
        if (line is null) return [];
        return format.AllowQuoting ? SplitQuoted(line, format.Separator) : line.Split(format.Separator);
    }

    private static string[] SplitQuoted(string line, char separator)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"' && quoted && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == separator && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return [.. fields];
    }

    /// <summary>
    /// A Parquet shard read whole into memory (not streamed by row group): each column, then a row-major copy of every vector
    /// column, about twice the shard's numeric data, checked against the memory budget before anything is read.
    /// </summary>
    private static async Task<(IDataView View, string[] HeaderFields, string[] SourceColumns)> OpenParquetAsync(string path, ShardFormatSpec format,
        MemoryBudget budget, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fields = reader.Schema.DataFields;
        var byName = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var described = fields.Select(f => $"{f.Name}: {f.ClrType.Name}{(f.IsNullable ? "?" : "")}").ToArray();
        DataField Field(ShardColumn column, string source) => byName.TryGetValue(source, out var field) ? field
            : throw new ArgumentOutOfRangeException(nameof(format),
                $"Column '{column.Name}' reads Parquet column '{source}', which this shard does not have (it has {string.Join(", ", fields.Select(f => f.Name))}).");

        long total = reader.RowGroups.Sum(g => g.RowCount);
        if (total > Array.MaxLength) throw new InvalidOperationException($"A Parquet shard of {total:N0} rows is more than one array holds; split it.");
        int rows = (int)total;
        // Booleans take a byte a row, strings a reference (their text comes on top), numbers a Single, and a vector its
        // columns plus the row-major copy.
        double bytes = format.Columns.Sum(c => c.SourceColumns.Length switch
        {
            1 when Field(c, c.SourceColumns[0]).ClrType == typeof(bool) => 1.0 * rows,
            1 when Field(c, c.SourceColumns[0]).ClrType == typeof(string) => 8.0 * rows,
            1 => 4.0 * rows,
            int width => 2 * 4.0 * rows * width,
        });
        budget.Require(bytes, $"Reading Parquet shard '{path}' ({rows:N0} rows, {format.Columns.Length} columns) into memory, as Parquet shards are read whole,",
            "Split it into smaller shards");
        var columns = new List<(string Name, object Values)>();
        foreach (var column in format.Columns)
        {
            var sources = column.SourceColumns.Select(s => Field(column, s)).ToArray();
            if (sources.Length == 1 && sources[0].ClrType == typeof(bool))
                columns.Add((column.Name, await ReadAsync<bool>(reader, sources[0], rows, ReadBooleans, cancellationToken).ConfigureAwait(false)));
            else if (sources.Length == 1 && sources[0].ClrType == typeof(string))
                columns.Add((column.Name, await ReadAsync<string?>(reader, sources[0], rows, ReadStrings, cancellationToken).ConfigureAwait(false)));
            else
            {
                var vectors = new float[sources.Length][];
                for (int k = 0; k < sources.Length; k++)
                {
                    if (!IsNumeric(sources[k].ClrType))
                        throw new ArgumentOutOfRangeException(nameof(format),
                            $"Column '{column.Name}' reads Parquet column '{sources[k].Name}' of type {sources[k].ClrType.Name}; " +
                            "a vector or numeric column needs numeric Parquet columns.");
                    vectors[k] = await ReadAsync<float>(reader, sources[k], rows, ReadSingles, cancellationToken).ConfigureAwait(false);
                }
                if (sources.Length == 1) columns.Add((column.Name, vectors[0]));
                else
                {
                    int width = sources.Length;
                    var rowMajor = new float[(long)rows * width];
                    for (int r = 0; r < rows; r++)
                        for (int k = 0; k < width; k++) rowMajor[(long)r * width + k] = vectors[k][r];
                    columns.Add((column.Name, (rowMajor, width)));
                }
            }
        }
        return (new ColumnarDataView(columns, rows), [], described);
    }

    private static bool IsNumeric(Type type)
        => type == typeof(float) || type == typeof(double) || type == typeof(int) || type == typeof(long) || type == typeof(short)
           || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    private delegate Task ReadGroup<T>(ParquetRowGroupReader group, DataField field, Memory<T> target, CancellationToken cancellationToken);

    /// <summary>One Parquet column over all row groups.</summary>
    private static async Task<T[]> ReadAsync<T>(ParquetReader reader, DataField field, int rows, ReadGroup<T> read, CancellationToken cancellationToken)
    {
        var values = new T[rows];
        int at = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int count = (int)group.RowCount;
            await read(group, field, values.AsMemory(at, count), cancellationToken).ConfigureAwait(false);
            at += count;
        }
        return values;
    }

    private static Task ReadSingles(ParquetRowGroupReader group, DataField field, Memory<float> target, CancellationToken cancellationToken)
    {
        var type = field.ClrType;
        if (type == typeof(float)) return ReadNumbers<float>(group, field, target, cancellationToken);
        if (type == typeof(double)) return ReadNumbers<double>(group, field, target, cancellationToken);
        if (type == typeof(int)) return ReadNumbers<int>(group, field, target, cancellationToken);
        if (type == typeof(long)) return ReadNumbers<long>(group, field, target, cancellationToken);
        if (type == typeof(short)) return ReadNumbers<short>(group, field, target, cancellationToken);
        if (type == typeof(byte)) return ReadNumbers<byte>(group, field, target, cancellationToken);
        if (type == typeof(sbyte)) return ReadNumbers<sbyte>(group, field, target, cancellationToken);
        if (type == typeof(ushort)) return ReadNumbers<ushort>(group, field, target, cancellationToken);
        if (type == typeof(uint)) return ReadNumbers<uint>(group, field, target, cancellationToken);
        return ReadNumbers<ulong>(group, field, target, cancellationToken);
    }

    /// <summary>Numbers as Single; nulls as NaN (the reader then skips the row, as it does missing values).</summary>
    private static async Task ReadNumbers<T>(ParquetRowGroupReader group, DataField field, Memory<float> target, CancellationToken cancellationToken)
        where T : struct, INumberBase<T>
    {
        if (field.IsNullable)
        {
            var values = new T?[target.Length];
            await group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            var span = target.Span;
            for (int i = 0; i < values.Length; i++) span[i] = values[i] is { } v ? float.CreateSaturating(v) : float.NaN;
        }
        else
        {
            var values = new T[target.Length];
            await group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            var span = target.Span;
            for (int i = 0; i < values.Length; i++) span[i] = float.CreateSaturating(values[i]);
        }
    }

    private static async Task ReadBooleans(ParquetRowGroupReader group, DataField field, Memory<bool> target, CancellationToken cancellationToken)
    {
        if (!field.IsNullable)
        {
            await group.ReadAsync<bool>(field, target, null, cancellationToken).ConfigureAwait(false);
            return;
        }
        var values = new bool?[target.Length];
        await group.ReadAsync<bool>(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < values.Length; i++)
            target.Span[i] = values[i] ?? throw new InvalidOperationException($"Boolean column '{field.Name}' has a null in row {i} of a row group.");
    }

    private static Task ReadStrings(ParquetRowGroupReader group, DataField field, Memory<string?> target, CancellationToken cancellationToken)
        => group.ReadAsync(field, target, null, cancellationToken).AsTask();
}
