using System.Diagnostics;
using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Numerics;
using MlNetExtensions.Persistence;

namespace MlNetExtensions.Data;

/// <summary>What the label column must hold.</summary>
internal enum LabelKind
{
    /// <summary>Single, any finite value.</summary>
    Regression,
    /// <summary>Boolean, or Single 0/1; read as 0/1.</summary>
    Binary,
    /// <summary>A key type (from <c>MapValueToKey</c>); read as the class index 0..K−1.</summary>
    Multiclass,
}

/// <summary>A block of rows in dense row-major form, as the numeric kernels want it.</summary>
internal sealed class RowBlock
{
    public RowBlock(int capacity, int featureCount)
    {
        Features = new float[capacity * featureCount];
        Labels = new float[capacity];
        Weights = new float[capacity];
    }

    public float[] Features { get; }
    public float[] Labels { get; }
    public float[] Weights { get; }
    public int Count { get; set; }
    public int Capacity => Labels.Length;
}

/// <summary>How many rows a pass read, used and skipped.</summary>
internal readonly record struct ReadSummary(long RowsRead, long RowsUsed, long RowsSkippedMissing, double WeightSum);

/// <summary>Every row of the usable training data held densely in memory (for the iterative trainers).</summary>
internal sealed record DenseDataset(float[] Features, float[] Labels, float[] Weights, int Count, int FeatureCount, ReadSummary Summary);

/// <summary>
/// The one reader of training data: checks the schema at the boundary (messages name the column, the expected and
/// the actual type), then streams rows into dense blocks, skipping rows whose features or label are missing (NaN)
/// or infinite and counting them, and rejecting bad example weights with the row they occur in.
/// </summary>
internal sealed class TrainingDataReader
{
    public const int DefaultBlockRows = 1024;

    private readonly IDataView _data;
    private readonly DataViewSchema.Column _label;
    private readonly DataViewSchema.Column _features;
    private readonly DataViewSchema.Column? _weight;
    private readonly LabelKind _kind;

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

    /// <summary>Number of classes (the key count) for a multiclass label; 2 for binary; 0 for regression.</summary>
    public int ClassCount { get; }

    public string LabelColumnName => _label.Name;
    public string FeatureColumnName => _features.Name;
    public DataViewSchema Schema => _data.Schema;

    /// <summary>The row count if the data knows it without a pass (before skipping missing values).</summary>
    public long? RowCount => _data.GetRowCount();

    /// <summary>Checks the columns' presence and types; throws <see cref="ArgumentException"/> naming the column otherwise.</summary>
    public static TrainingDataReader Create(IDataView data, string labelColumnName, string featureColumnName,
        string? exampleWeightColumnName, LabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        var features = FindColumn(schema, featureColumnName, "feature");
        int featureCount = CheckFeatureType(features);
        var label = FindColumn(schema, labelColumnName, "label");
        int classCount = CheckLabelType(label, kind);
        DataViewSchema.Column? weight = null;
        if (exampleWeightColumnName is not null)
        {
            var w = FindColumn(schema, exampleWeightColumnName, "example weight");
            if (w.Type != NumberDataViewType.Single)
                throw new ArgumentException(
                    $"Example weight column '{w.Name}' must be of type Single, but is {w.Type}.", nameof(data));
            weight = w;
        }
        return new TrainingDataReader(data, label, features, weight, kind, featureCount, classCount);
    }

    /// <summary>
    /// Checks that <paramref name="schema"/> has a feature column of the expected width; used at Transform time to
    /// catch a pipeline that changed the feature width since Fit.
    /// </summary>
    public static void CheckFeatureColumn(DataViewSchema schema, string featureColumnName, int expectedFeatureCount)
    {
        var column = FindColumn(schema, featureColumnName, "feature");
        int actual = CheckFeatureType(column);
        if (actual != expectedFeatureCount)
            throw new ArgumentException(
                $"Feature column '{featureColumnName}' has {actual} features, but the model was trained on {expectedFeatureCount}.");
    }

    private static DataViewSchema.Column FindColumn(DataViewSchema schema, string name, string role)
    {
        if (name is null) throw new ArgumentNullException(nameof(name), $"The {role} column name must not be null.");
        var column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentException(
                $"The {role} column '{name}' was not found in the data. Available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        return column.Value;
    }

    private static int CheckFeatureType(DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single)
        {
            if (!vector.IsKnownSize)
                throw new ArgumentException(
                    $"Feature column '{column.Name}' must be a known-size vector of Single, but is a variable-size vector ({column.Type}).");
            return vector.Size;
        }
        string hint = column.Type is VectorDataViewType or PrimitiveDataViewType && column.Type.RawType != typeof(float)
            ? " Convert it with mlContext.Transforms.Conversion.ConvertType(..., DataKind.Single)."
            : column.Type == NumberDataViewType.Single ? " Gather scalar columns with mlContext.Transforms.Concatenate(\"Features\", ...)." : "";
        throw new ArgumentException(
            $"Feature column '{column.Name}' must be a known-size vector of Single, but is {column.Type}.{hint}");
    }

    private static int CheckLabelType(DataViewSchema.Column column, LabelKind kind)
    {
        switch (kind)
        {
            case LabelKind.Regression:
                if (column.Type != NumberDataViewType.Single)
                    throw new ArgumentException($"Label column '{column.Name}' must be of type Single for regression, but is {column.Type}.");
                return 0;
            case LabelKind.Binary:
                if (column.Type != BooleanDataViewType.Instance && column.Type != NumberDataViewType.Single)
                    throw new ArgumentException($"Label column '{column.Name}' must be Boolean or Single (0/1) for binary classification, but is {column.Type}.");
                return 2;
            case LabelKind.Multiclass:
                if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint))
                    throw new ArgumentException(
                        $"Label column '{column.Name}' must be a key type for multiclass classification, but is {column.Type}. " +
                        $"Convert it with mlContext.Transforms.Conversion.MapValueToKey(\"{column.Name}\").");
                if (key.Count < 2 || key.Count > int.MaxValue)
                    throw new ArgumentException($"Label column '{column.Name}' has {key.Count} classes; multiclass classification needs at least 2.");
                return (int)key.Count;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

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
    public ReadSummary ForEachBlock(IHostEnvironment env, Action<RowBlock> consume, int blockRows = DefaultBlockRows)
    {
        var block = new RowBlock(blockRows, FeatureCount);
        return Read(env, () => block, filled =>
        {
            consume(filled);
            return filled;
        });
    }

    /// <summary>
    /// Streams the data once, on the cursor thread alone or with <paramref name="workers"/> − 1 worker threads that take
    /// full blocks from it (the cursor processes a block itself only when they fall so far behind that no free block is
    /// left to fill). With <paramref name="adaptive"/>, the choice is measured rather than assumed: the cursor thread
    /// processes the first <paramref name="probeRows"/> rows alone, the next <paramref name="probeRows"/> with the workers,
    /// and keeps whichever was faster for the rest. On this kind of shared machine the two vCPUs are sometimes placed so
    /// that handing blocks across costs more than it saves (fits measured 57 ms in one placement, 120 ms in another, against
    /// 88 ms on one thread); small data never starts a thread. Every thread has its own state from <paramref name="createState"/>; the
    /// states are returned for the caller to merge.
    /// </summary>
    public (IReadOnlyList<TState> States, ReadSummary Summary) ForEachBlockParallel<TState>(IHostEnvironment env,
        int workers, Func<TState> createState, Action<TState, RowBlock> process, bool adaptive = false,
        long probeRows = 65_536, int blockRows = DefaultBlockRows)
    {
        var inline = createState();
        if (workers <= 1)
        {
            var summary = ForEachBlock(env, b => process(inline, b), blockRows);
            return ([inline], summary);
        }

        // Blocks circulate between the cursor and the workers: a free pool bounds memory to a few blocks.
        int blockCount = workers * 3;
        using var free = new BlockingCollection<RowBlock>(blockCount);
        using var full = new BlockingCollection<RowBlock>(blockCount);
        using var failed = new CancellationTokenSource();
        var states = new TState[workers - 1];
        var threads = new List<Thread>();
        Exception? workerError = null;

        void StartWorkers()
        {
            for (int i = 0; i < blockCount; i++) free.Add(new RowBlock(blockRows, FeatureCount));
            for (int t = 0; t < workers - 1; t++)
            {
                int index = t;
                var thread = new Thread(() =>
                {
                    try
                    {
                        var state = createState();
                        states[index] = state;
                        foreach (var block in full.GetConsumingEnumerable())
                        {
                            process(state, block);
                            free.Add(block);
                        }
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref workerError, e, null);
                        failed.Cancel();
                    }
                }) { IsBackground = true, Name = $"MlNetExtensions worker {t}" };
                threads.Add(thread);
                thread.Start();
            }
        }

        // The cursor thread only reads while a free block is at hand, so reading overlaps the workers' arithmetic (on
        // this kind of machine the two vCPUs share one core's FMA units: a second thread adds little arithmetic, but
        // reading alongside is nearly free). When every block is queued, it processes one itself rather than wait.
        RowBlock NextFreeBlock()
        {
            if (free.TryTake(out var block)) return block;
            if (full.TryTake(out var backlog))
            {
                process(inline, backlog);
                return backlog;
            }
            return free.Take(failed.Token);
        }

        var inlineBlock = new RowBlock(blockRows, FeatureCount);
        bool started = false, parallel = false, decided = !adaptive;
        long phaseRows = 0;
        var clock = Stopwatch.StartNew();
        double inlineSeconds = 0;
        if (!adaptive)
        {
            StartWorkers();
            started = parallel = true;
        }
        ReadSummary result;
        try
        {
            result = Read(env, () => parallel ? NextFreeBlock() : inlineBlock, filled =>
            {
                phaseRows += filled.Count;
                if (parallel)
                {
                    full.Add(filled, failed.Token);
                    if (decided || phaseRows < probeRows) return null;
                    // End of the parallel probe: keep the workers only if they beat the cursor thread alone.
                    decided = true;
                    double parallelSeconds = clock.Elapsed.TotalSeconds;
                    if (parallelSeconds <= inlineSeconds) return null;
                    parallel = false;
                    full.CompleteAdding(); // the workers finish what is queued and stop
                    return inlineBlock;
                }
                process(inline, filled);
                if (decided || phaseRows < probeRows) return filled;
                // End of the single-thread probe: time the same number of rows with the workers.
                inlineSeconds = clock.Elapsed.TotalSeconds;
                if (!started) StartWorkers();
                started = parallel = true;
                phaseRows = 0;
                clock.Restart();
                return null;
            });
        }
        catch (OperationCanceledException) when (workerError is not null)
        {
            result = default;
        }
        finally
        {
            if (!full.IsAddingCompleted) full.CompleteAdding();
            foreach (var thread in threads) thread.Join();
        }
        if (workerError is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(workerError).Throw();
        return (started ? [inline, .. states] : [inline], result);
    }

    /// <summary>Reads every usable row into memory.</summary>
    /// <remarks>
    /// Copies straight into arrays sized from the row count when the data knows it (one allocation each, grown by
    /// doubling otherwise): many block-sized copies on the large-object heap made this pass ~20 × slower than the cursor.
    /// </remarks>
    public DenseDataset ReadAll(IHostEnvironment env)
    {
        int d = FeatureCount;
        int capacity = RowCount is > 0 and var known && known <= int.MaxValue / Math.Max(d, 1) ? (int)known : DefaultBlockRows;
        var x = new float[checked(capacity * d)];
        var y = new float[capacity];
        var w = new float[capacity];
        int n = 0;
        var summary = ForEachBlock(env, block =>
        {
            if (n + block.Count > capacity)
            {
                capacity = (int)Math.Min(Math.Max(2L * capacity, n + block.Count), int.MaxValue / Math.Max(d, 1));
                Array.Resize(ref x, checked(capacity * d));
                Array.Resize(ref y, capacity);
                Array.Resize(ref w, capacity);
            }
            block.Features.AsSpan(0, block.Count * d).CopyTo(x.AsSpan(n * d));
            block.Labels.AsSpan(0, block.Count).CopyTo(y.AsSpan(n));
            block.Weights.AsSpan(0, block.Count).CopyTo(w.AsSpan(n));
            n += block.Count;
        });
        if (n != capacity)
        {
            Array.Resize(ref x, n * d);
            Array.Resize(ref y, n);
            Array.Resize(ref w, n);
        }
        return new DenseDataset(x, y, w, n, d, summary);
    }

    /// <summary>
    /// The cursor loop: fills blocks from <paramref name="acquire"/>, hands each full one to <paramref name="release"/>
    /// (which returns the block to keep filling, or null to acquire a new one).
    /// </summary>
    private ReadSummary Read(IHostEnvironment env, Func<RowBlock> acquire, Func<RowBlock, RowBlock?> release)
    {
        var columns = new List<DataViewSchema.Column> { _features, _label };
        if (_weight is not null) columns.Add(_weight.Value);
        using var cursor = _data.GetRowCursor(columns);
        var featureGetter = cursor.GetGetter<VBuffer<float>>(_features);
        var labelGetter = MakeLabelGetter(cursor);
        bool checkBinaryValues = _kind == LabelKind.Binary && _label.Type == NumberDataViewType.Single;
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
                block.Count = 0;
            }
            int row = block.Count;

            float weight = 1f;
            if (weightGetter is not null)
            {
                weightGetter(ref weight);
                if (!float.IsFinite(weight) || weight < 0)
                    throw new InvalidOperationException(
                        $"Example weight column '{_weight!.Value.Name}' must hold finite values ≥ 0, but row {read - 1} has {weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
            float label = 0;
            labelGetter(ref label);
            if (checkBinaryValues && label != 0 && label != 1 && !float.IsNaN(label))
                throw new InvalidOperationException(
                    $"Label column '{_label.Name}' must hold 0 or 1 (or be Boolean) for binary classification, but row {read - 1} has {label.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            featureGetter(ref buffer);
            if (buffer.Length != d)
                throw new InvalidOperationException(
                    $"Feature column '{_features.Name}' row {read - 1} has {buffer.Length} values, but its type declares {d}.");
            var target = block.Features.AsSpan(row * d, d);
            buffer.CopyTo(target);
            if (float.IsNaN(label) || !float.IsFinite(label) || !VectorMath.AllFinite(target))
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
                if (block is not null) block.Count = 0;
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
        return summary;
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
