using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.Data;

/// <summary>
/// The one reader of training data: checks the schema at the boundary (<see cref="ColumnChecks"/>), then streams rows into
/// blocks, skipping rows whose features or label are missing (NaN) or infinite and counting them, rejecting bad example
/// weights with the row they occur in, and logging what a pass read and skipped.
/// </summary>
internal sealed class TrainingDataReader
{
    public const int DefaultBlockRows = 1024;

    private readonly IDataView _data;
    private readonly DataViewSchema.Column _label;
    private readonly DataViewSchema.Column _features;
    private readonly DataViewSchema.Column? _weight;
    private readonly LabelKind _kind;

    /// <summary>Auto chooses the sparse layout from this many slots on...</summary>
    internal const int MinimumSparseWidth = 32;

    /// <summary>...when at most this fraction of the values in the first <see cref="LayoutProbeRows"/> rows is non-zero.</summary>
    internal const double MaximumSparseDensity = 0.25;

    /// <summary>Rows the layout decision looks at.</summary>
    internal const int LayoutProbeRows = 1024;

    private TrainingDataReader(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features,
        DataViewSchema.Column? weight, LabelKind kind, int featureCount, int classCount)
    {
        _data = data;
        _label = label;
        _features = features;
        _weight = weight;
        _kind = kind;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public int FeatureCount { get; }

    /// <summary>How blocks and held rows store the features (<see cref="FeatureLayout.Dense"/> or <see cref="FeatureLayout.Sparse"/>).</summary>
    public FeatureLayout Layout { get; private set; } = FeatureLayout.Dense;

    /// <summary>The fraction of non-zero values the layout decision measured (null when the layout was given as Dense).</summary>
    public double? MeasuredDensity { get; private set; }

    /// <summary>Non-zero values a row in the rows the layout decision looked at (what a sparse read sizes its arrays from).</summary>
    private double? MeasuredNonZerosPerRow { get; set; }

    /// <summary>Number of classes (the key count) for a multiclass label; 2 for binary; 0 for regression.</summary>
    public int ClassCount { get; }

    public string LabelColumnName => _label.Name;
    public string FeatureColumnName => _features.Name;
    public bool HasWeights => _weight is not null;
    public DataViewSchema Schema => _data.Schema;

    /// <summary>The row count if the data knows it without a pass (before skipping missing values).</summary>
    public long? RowCount => _data.GetRowCount();

    /// <summary>
    /// Checks the columns' presence and types (see <see cref="ColumnChecks"/> for the exceptions), then decides the feature
    /// layout: the one decision point, logged to <paramref name="channel"/> (see <see cref="FeatureLayout.Auto"/> for the rule).
    /// </summary>
    public static TrainingDataReader Create(IDataView data, string labelColumnName, string featureColumnName,
        string? exampleWeightColumnName, LabelKind kind, FeatureLayout layout = FeatureLayout.Dense, IChannel? channel = null)
    {
        var reader = CreateChecked(data, labelColumnName, featureColumnName, exampleWeightColumnName, kind);
        reader.DecideLayout(layout, channel);
        return reader;
    }

    private static TrainingDataReader CreateChecked(IDataView data, string labelColumnName, string featureColumnName,
        string? exampleWeightColumnName, LabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        var features = ColumnChecks.Find(schema, featureColumnName, "feature");
        int featureCount = ColumnChecks.FeatureWidth(features);
        var label = ColumnChecks.Find(schema, labelColumnName, "label");
        int classCount = ColumnChecks.LabelClassCount(label, kind);
        DataViewSchema.Column? weight = null;
        if (exampleWeightColumnName is not null)
        {
            var w = ColumnChecks.Find(schema, exampleWeightColumnName, "weight");
            ColumnChecks.Weight(w);
            weight = w;
        }
        return new TrainingDataReader(data, label, features, weight, kind, featureCount, classCount);
    }

    private void DecideLayout(FeatureLayout requested, IChannel? channel)
    {
        if (requested == FeatureLayout.Dense || (requested == FeatureLayout.Auto && FeatureCount < MinimumSparseWidth))
        {
            Layout = FeatureLayout.Dense;
            channel?.Info(MessageSensitivity.None, requested == FeatureLayout.Dense
                ? $"Feature layout: Dense (as set), d = {FeatureCount:N0}."
                : $"Feature layout: Dense (d = {FeatureCount} < {MinimumSparseWidth}).");
            return;
        }
        // Auto decides from the first rows; a sparse layout also sizes its arrays from them.
        long rows = 0, nonZeros = 0;
        using (var cursor = _data.GetRowCursor([_features]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(_features);
            var buffer = default(VBuffer<float>);
            while (rows < LayoutProbeRows && cursor.MoveNext())
            {
                getter(ref buffer);
                foreach (float v in buffer.GetValues())
                    if (v != 0) nonZeros++;
                rows++;
            }
        }
        double density = rows == 0 ? 1 : (double)nonZeros / (rows * (double)FeatureCount);
        MeasuredDensity = density;
        MeasuredNonZerosPerRow = rows == 0 ? null : (double)nonZeros / rows;
        if (requested == FeatureLayout.Sparse)
        {
            Layout = FeatureLayout.Sparse;
            channel?.Info(MessageSensitivity.None, string.Format(CultureInfo.InvariantCulture,
                "Feature layout: Sparse (as set; {0:P2} of the values non-zero in the first {1:N0} rows, d = {2:N0}).", density, rows, FeatureCount));
            return;
        }
        Layout = density <= MaximumSparseDensity ? FeatureLayout.Sparse : FeatureLayout.Dense;
        channel?.Info(MessageSensitivity.None, string.Format(CultureInfo.InvariantCulture,
            "Feature layout: {0} ({1:P2} of the values non-zero in the first {2:N0} rows, d = {3:N0}; FeatureLayout overrides it).",
            Layout, density, rows, FeatureCount));
    }

    /// <summary>An empty block of the reader's layout (a sparse one sized from the non-zeros a row measured, when there are).</summary>
    public RowBlock CreateBlock(int capacity = DefaultBlockRows)
        => Layout == FeatureLayout.Sparse
            ? new SparseRowBlock(capacity, FeatureCount, (int)Math.Min(Array.MaxLength,
                ExpectedNonZeros(capacity) ?? (long)capacity * Math.Min(FeatureCount, 64)))
            : new DenseRowBlock(capacity, FeatureCount);

    /// <summary>Non-zeros <paramref name="rows"/> rows should hold, from the rows the layout decision read (5% and 1,024 to spare); null when it read none.</summary>
    private long? ExpectedNonZeros(long rows)
        => MeasuredNonZerosPerRow is { } perRow ? (long)Math.Ceiling(rows * perRow * 1.05) + 1024 : null;

    /// <summary>The label's key values (class names), or null when it has none or is not a key.</summary>
    public string[]? GetClassNames()
    {
        if (_kind != LabelKind.Multiclass) return null;
        var annotation = _label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (annotation is null) return null;
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        if (annotation.Value.Type is not VectorDataViewType { ItemType: TextDataViewType }) return null;
        _label.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    /// <summary>
    /// Streams the data once, in blocks of up to <paramref name="blockRows"/> usable rows, calling
    /// <paramref name="consume"/> for each. Not re-entrant: the block is reused after the call returns.
    /// </summary>
    public ReadSummary ForEachBlock(IHostEnvironment env, IChannel? channel, Action<RowBlock> consume, int blockRows = DefaultBlockRows)
    {
        var block = CreateBlock(blockRows);
        return Stream(env, channel, () => block, filled =>
        {
            consume(filled);
            return filled;
        });
    }

    /// <summary>Reads every usable row into memory in the reader's layout, checking <paramref name="budget"/> as the rows grow.</summary>
    /// <remarks>
    /// Copies straight into arrays sized from the row count when the data knows it (one allocation each, grown by
    /// doubling otherwise): many block-sized copies on the large-object heap made this pass ~20 × slower than the cursor.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The rows do not fit the budget (the message names d, the bytes and the option).</exception>
    public TrainingSet ReadAll(IHostEnvironment env, IChannel? channel, MemoryBudget budget)
    {
        int d = FeatureCount;
        long? known = RowCount is > 0 and var k ? k : null;
        int capacity = (int)Math.Min(known ?? DefaultBlockRows, Array.MaxLength);
        var y = new float[capacity];
        var w = new float[capacity];
        int n = 0;
        void GrowRows(int needed)
        {
            if (needed <= capacity) return;
            capacity = (int)Math.Min(Math.Max(2L * capacity, needed), Array.MaxLength);
            Array.Resize(ref y, capacity);
            Array.Resize(ref w, capacity);
        }
        void CopyRows(RowBlock block)
        {
            GrowRows(n + block.Count);
            block.Labels.AsSpan(0, block.Count).CopyTo(y.AsSpan(n));
            block.Weights.AsSpan(0, block.Count).CopyTo(w.AsSpan(n));
        }

        FeatureRows rows;
        ReadSummary summary;
        if (Layout == FeatureLayout.Dense)
        {
            string what = $"Holding the training rows densely ({known?.ToString("N0", CultureInfo.InvariantCulture) ?? "at least"} rows × d = {d:N0} floats)";
            const string remedy = "Use FeatureLayout = Sparse for mostly-zero features, a smaller sample";
            if (known is { } rowCount) budget.Require((double)rowCount * d * sizeof(float), what, remedy);
            CheckArrayLength((double)capacity * d, "dense training rows");
            var x = new float[(long)capacity * d];
            summary = ForEachBlock(env, channel, b =>
            {
                var block = (DenseRowBlock)b;
                if ((long)(n + block.Count) * d > x.Length)
                {
                    long grown = Math.Max(2L * x.Length, (long)(n + block.Count) * d);
                    budget.Require(grown * (double)sizeof(float), $"Holding the training rows densely ({n + block.Count:N0}+ rows × d = {d:N0} floats)", remedy);
                    CheckArrayLength(grown, "dense training rows");
                    Array.Resize(ref x, (int)grown);
                }
                block.UsedFeatures.CopyTo(x.AsSpan(n * d));
                CopyRows(block);
                n += block.Count;
            });
            if ((long)n * d != x.Length) Array.Resize(ref x, n * d);
            rows = new DenseRows(x, n, d);
        }
        else
        {
            var offsets = new int[capacity + 1];
            // Sized from the rows the layout decision read (5% to spare), so that the usual read allocates once: growing by
            // doubling copied ~2× the data through the large-object heap and cost full collections (measured 150–540 ms
            // against a 12 ms stream for 5M non-zeros).
            long expected = (known is { } n0 ? ExpectedNonZeros(n0) : null) ?? capacity;
            expected = Math.Clamp(expected, 16, Array.MaxLength);
            budget.Require(expected * (double)(sizeof(int) + sizeof(float)),
                $"Holding the training rows sparsely (about {expected:N0} non-zeros, d = {d:N0})", "Use a smaller sample");
            var indices = new int[expected];
            var values = new float[expected];
            summary = ForEachBlock(env, channel, b =>
            {
                var block = (SparseRowBlock)b;
                int nnz = offsets[n], add = block.NonZeroCount;
                if ((long)nnz + add > indices.Length)
                {
                    long grown = Math.Max(2L * indices.Length, (long)nnz + add);
                    budget.Require(grown * (double)(sizeof(int) + sizeof(float)),
                        $"Holding the training rows sparsely ({nnz + (long)add:N0}+ non-zeros, d = {d:N0})", "Use a smaller sample");
                    CheckArrayLength(grown, "sparse training rows (non-zeros)");
                    Array.Resize(ref indices, (int)grown);
                    Array.Resize(ref values, (int)grown);
                }
                Array.Copy(block.Indices, 0, indices, nnz, add);
                Array.Copy(block.Values, 0, values, nnz, add);
                CopyRows(block);
                if (offsets.Length < capacity + 1) Array.Resize(ref offsets, capacity + 1);
                for (int r = 0; r < block.Count; r++) offsets[n + r + 1] = nnz + block.Offsets[r + 1];
                n += block.Count;
            });
            Array.Resize(ref offsets, n + 1);
            // Trimmed only when more than an eighth is spare: the copy would briefly hold the rows twice.
            if (indices.Length - offsets[n] > indices.Length / 8)
            {
                Array.Resize(ref indices, offsets[n]);
                Array.Resize(ref values, offsets[n]);
            }
            rows = new SparseRows(offsets, indices, values, n, d);
        }
        if (n != capacity)
        {
            Array.Resize(ref y, n);
            Array.Resize(ref w, n);
        }
        return new TrainingSet(rows, y, w, summary);
    }

    private static void CheckArrayLength(double length, string what)
    {
        if (length > Array.MaxLength)
            throw new InvalidOperationException(
                $"The {what} would need {length:N0} elements, more than one .NET array holds ({Array.MaxLength:N0}); train on a sample, " +
                "or use the sparse layout for mostly-zero features.");
    }

    /// <summary>
    /// The cursor loop: fills blocks from <paramref name="acquire"/>, hands each full one to <paramref name="release"/>
    /// (which returns the block to keep filling, or null to acquire a new one), and logs the pass to <paramref name="channel"/>.
    /// </summary>
    internal ReadSummary Stream(IHostEnvironment env, IChannel? channel, Func<RowBlock> acquire, Func<RowBlock, RowBlock?> release)
    {
        var clock = Stopwatch.StartNew();
        var columns = new List<DataViewSchema.Column> { _features, _label };
        if (_weight is not null) columns.Add(_weight.Value);
        using var cursor = _data.GetRowCursor(columns);
        var featureGetter = cursor.GetGetter<VBuffer<float>>(_features);
        var labelGetter = MakeLabelGetter(cursor);
        bool checkBinaryValues = _kind == LabelKind.Binary && _label.Type == NumberDataViewType.Single;
        bool checkCountValues = _kind == LabelKind.Count;
        var weightGetter = _weight is null ? null : cursor.GetGetter<float>(_weight.Value);

        int d = FeatureCount;
        var buffer = default(VBuffer<float>);
        long read = 0, used = 0, skipped = 0;
        double weightSum = 0;
        RowBlock? block = null;
        while (cursor.MoveNext())
        {
            if ((read & 0xFFFF) == 0) MlNetInternals.ThrowIfCanceled(env);
            read++;
            if (block is null)
            {
                block = acquire();
                block.Clear();
            }
            int row = block.Count;

            float weight = 1f;
            if (weightGetter is not null)
            {
                weightGetter(ref weight);
                if (!float.IsFinite(weight) || weight < 0)
                    throw new InvalidOperationException(
                        $"Example weight column '{_weight!.Value.Name}' must hold finite values ≥ 0, but row {read - 1} has {weight.ToString(CultureInfo.InvariantCulture)}.");
            }
            float label = 0;
            labelGetter(ref label);
            if (checkBinaryValues && label != 0 && label != 1 && !float.IsNaN(label))
                throw new InvalidOperationException(
                    $"Label column '{_label.Name}' must hold 0 or 1 (or be Boolean) for binary classification, but row {read - 1} has {label.ToString(CultureInfo.InvariantCulture)}.");
            if (checkCountValues && label < 0)
                throw new InvalidOperationException(
                    $"Label column '{_label.Name}' must hold counts or rates ≥ 0 for Poisson regression, but row {read - 1} has {label.ToString(CultureInfo.InvariantCulture)}.");
            featureGetter(ref buffer);
            if (buffer.Length != d)
                throw new InvalidOperationException(
                    $"Feature column '{_features.Name}' row {read - 1} has {buffer.Length} values, but its type declares {d}.");
            bool finite = block is DenseRowBlock dense ? CopyDense(buffer, dense.Features.AsSpan(row * d, d)) : AppendSparse(buffer, (SparseRowBlock)block, row);
            if (float.IsNaN(label) || !float.IsFinite(label) || !finite)
            {
                skipped++;
                continue;
            }
            block.Labels[row] = label;
            block.Weights[row] = weight;
            weightSum += weight;
            used++;
            block.Count = row + 1;
            if (block.Count == block.Capacity)
            {
                block = release(block);
                block?.Clear();
            }
        }
        if (block is not null && block.Count > 0)
            release(block);

        var summary = new ReadSummary(read, used, skipped, weightSum);
        if (used == 0)
            throw new InvalidOperationException(read == 0
                ? $"The training data is empty: no rows to train on (label column '{_label.Name}', feature column '{_features.Name}')."
                : $"No usable training rows: all {read} rows have a missing (NaN) or infinite value in label column '{_label.Name}' or feature column '{_features.Name}'.");
        if (!(weightSum > 0))
            throw new InvalidOperationException(
                $"Example weight column '{_weight?.Name}' sums to {weightSum} over the {used} usable rows; at least one weight must be positive.");
        if (channel is not null)
        {
            channel.Info(MessageSensitivity.None,
                $"Read {read} rows in {clock.ElapsedMilliseconds} ms; using {used}, skipped {skipped} with missing or infinite values.");
            if (skipped > 0)
                channel.Warning(MessageSensitivity.None, $"Skipped {skipped} of {read} rows with a NaN or infinite label or feature.");
        }
        return summary;
    }

    /// <summary>Copies a row into a dense block; false when a value is NaN or infinite.</summary>
    private static bool CopyDense(in VBuffer<float> buffer, Span<float> target)
    {
        buffer.CopyTo(target);
        return VectorMath.AllFinite(target);
    }

    /// <summary>
    /// Appends a row's non-zero values (VBuffer's own indices; a dense buffer's positions) to a sparse block; the row only
    /// counts once the caller accepts it. False when a value is NaN or infinite.
    /// </summary>
    /// <exception cref="InvalidOperationException">The VBuffer's indices are not ascending within [0, d) (the sparse kernels
    /// index the weights with them unchecked, so they are checked here, once).</exception>
    private bool AppendSparse(in VBuffer<float> buffer, SparseRowBlock block, int row)
    {
        var values = buffer.GetValues();
        block.EnsureRoom(values.Length);
        int at = block.Offsets[row];
        var indices = block.Indices;
        var stored = block.Values;
        if (!VectorMath.AllFinite(values)) return false;
        if (buffer.IsDense)
        {
            for (int k = 0; k < values.Length; k++)
            {
                float v = values[k];
                if (v == 0) continue;
                indices[at] = k;
                stored[at++] = v;
            }
        }
        else
        {
            var explicitIndices = buffer.GetIndices();
            int previous = -1;
            for (int k = 0; k < values.Length; k++)
            {
                int index = explicitIndices[k];
                if (index <= previous || index >= FeatureCount)
                    throw new InvalidOperationException(
                        $"Feature column '{_features.Name}' holds a sparse vector whose indices are not ascending within [0, {FeatureCount}) " +
                        $"(index {index} after {previous}); the data view that produced it is broken.");
                previous = index;
                float v = values[k];
                if (v == 0) continue;
                indices[at] = index;
                stored[at++] = v;
            }
        }
        block.Offsets[row + 1] = at;
        return true;
    }

    /// <summary>The label as a float: the raw Single for regression and Single binary labels (checked in the loop),
    /// 0/1 for Boolean, the class index for keys (NaN for the missing key 0).</summary>
    private ValueGetter<float> MakeLabelGetter(DataViewRowCursor cursor)
    {
        if (_kind == LabelKind.Multiclass)
        {
            var keys = cursor.GetGetter<uint>(_label);
            uint key = 0;
            // Key 0 is ML.NET's missing value: skipped like a NaN label.
            return (ref float value) => { keys(ref key); value = key == 0 ? float.NaN : key - 1; };
        }
        if (_label.Type == BooleanDataViewType.Instance)
        {
            var flags = cursor.GetGetter<bool>(_label);
            bool flag = false;
            return (ref float value) => { flags(ref flag); value = flag ? 1f : 0f; };
        }
        return cursor.GetGetter<float>(_label);
    }
}
