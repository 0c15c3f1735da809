using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork.Heads;

namespace MlNetExtensions.NeuralNetwork.Scoring;

/// <summary>
/// What an MLP adds to a data view, in blocks: a cursor that needs a prediction reads <see cref="BlockRows"/> feature rows
/// ahead through a second cursor of its own over the input (features only), runs them through the network in one
/// matrix product per layer (the training GEMM kernels), and hands the rows out one by one. Every other column passes
/// through from the input's own cursor, which advances one row at a time beside it.
/// </summary>
/// <remarks>
/// The two input cursors see the same rows in the same order (ML.NET's contract for cursors over the same data view with
/// the same random source; both get a <see cref="Random"/> of the same seed), and the row ids are compared as they go,
/// so a data view that broke that contract gives an exception rather than shifted predictions. A cursor that needs no
/// other column than the predictions opens only the feature cursor. A request for parallel cursors gets one. A block of
/// sparse rows (text, one-hot) stays sparse and runs the first layer over its non-zeros (<see cref="FeatureBlock"/>).
/// </remarks>
internal sealed class MlpScoringDataView : IDataView
{
    /// <summary>Rows per block: the block's features and activations (128 × 64 floats a layer) stay in the core's caches.</summary>
    public const int BlockRows = 128;

    private readonly IDataView _input;
    private readonly MlpScoringPlan _plan;

    public MlpScoringDataView(IDataView input, MlpScoringPlan plan)
    {
        _input = input;
        _plan = plan;
    }

    public DataViewSchema Schema => _plan.OutputSchema;
    public bool CanShuffle => _input.CanShuffle;
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var passThrough = _plan.InputColumnsFor(needed);
        bool predicting = needed.Any(c => _plan.IsOutput(c));
        int? seed = rand?.Next();
        Random? Rand() => seed is { } s ? new Random(s) : null;
        var main = predicting && passThrough.Length == 0 ? null : _input.GetRowCursor(passThrough, Rand());
        if (!predicting) return new BlockCursor(_plan, main!, null, needed);
        var features = _input.GetRowCursor([_input.Schema[_plan.FeatureColumnName]], Rand());
        return new BlockCursor(_plan, main, features, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class BlockCursor : DataViewRowCursor, IMlpLogits
    {
        private readonly MlpScoringPlan _plan;
        private readonly DataViewRowCursor? _main;
        private readonly DataViewRowCursor? _features;
        private readonly ValueGetter<VBuffer<float>>? _featureGetter;
        private readonly ValueGetter<DataViewRowId>? _featureIds;
        private readonly ValueGetter<DataViewRowId>? _mainIds;
        private readonly bool[] _active;
        private readonly Delegate?[] _outputGetters;
        private readonly MlpWorkspace? _workspace;
        private readonly FeatureBlock? _block;
        private readonly DataViewRowId[] _ids = [];
        private VBuffer<float> _row;
        private int _count, _index = -1, _outputs;
        private float[] _logits = [];
        private long _position = -1;
        private bool _ended;

        public BlockCursor(MlpScoringPlan plan, DataViewRowCursor? main, DataViewRowCursor? features, DataViewSchema.Column[] needed)
        {
            _plan = plan;
            _main = main;
            _features = features;
            _active = new bool[plan.OutputSchema.Count];
            foreach (var c in needed) _active[c.Index] = true;
            _outputGetters = new Delegate?[plan.OutputSchema.Count];
            if (features is null) return;
            var network = plan.Network;
            _featureGetter = features.GetGetter<VBuffer<float>>(features.Schema[plan.FeatureColumnName]);
            _featureIds = features.GetIdGetter();
            _mainIds = main?.GetIdGetter();
            _workspace = new MlpWorkspace(network, BlockRows);
            _block = new FeatureBlock(network.InputCount, BlockRows);
            _ids = new DataViewRowId[BlockRows];
            _outputs = network.OutputCount;
            plan.Head.MakeGetters(needed.Where(plan.IsOutput), this, _outputGetters);
        }

        public override DataViewSchema Schema => _plan.OutputSchema;
        public override long Position => _position;
        public override long Batch => _main?.Batch ?? 0;

        ReadOnlySpan<float> IMlpLogits.Logits => _logits.AsSpan(_index * _outputs, _outputs);
        long IMlpLogits.Position => _position;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_ended) return false;
            bool more = _main?.MoveNext() ?? true;
            if (more && _features is not null)
            {
                if (++_index >= _count) FillBlock();
                if (_index >= _count)
                {
                    if (_main is not null) throw Misaligned("its feature cursor ended before the input's own cursor");
                    more = false;
                }
                else if (_mainIds is not null)
                {
                    DataViewRowId id = default;
                    _mainIds(ref id);
                    if (!id.Equals(_ids[_index])) throw Misaligned($"the row ids differ at position {_position + 1}");
                }
            }
            if (!more)
            {
                _ended = true;
                return false;
            }
            _position++;
            return true;
        }

        /// <summary>Reads up to <see cref="BlockRows"/> feature rows and runs the network over them.</summary>
        private void FillBlock()
        {
            var network = _plan.Network;
            int d = network.InputCount;
            _count = 0;
            _index = 0;
            _block!.Clear();
            while (_count < BlockRows && _features!.MoveNext())
            {
                _featureGetter!(ref _row);
                if (_row.Length != d)
                    throw new InvalidOperationException(
                        $"Feature column '{_plan.FeatureColumnName}' holds a vector of {_row.Length} values in row {_position + _count + 1}, " +
                        $"but the MLP was trained on {d}.");
                _block.Add(_row);
                _featureIds!(ref _ids[_count]);
                _count++;
            }
            if (_count == 0) return;
            // Forward returns a span into the workspace; its array is what the getters index.
            network.Forward(_block.Input, _workspace!);
            _logits = _workspace!.Activations[^1];
        }

        private static InvalidOperationException Misaligned(string what)
            => new("The MLP's scoring cursor lost step with its input: " + what + ". The input data view returns rows in a different " +
                   "order to two cursors opened alike, which ML.NET's data views do not; cache it first (mlContext.Data.Cache).");

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was opened.");
            if (_outputGetters[column.Index] is { } getter)
            {
                if (getter is not ValueGetter<TValue> typed)
                    throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
                return typed;
            }
            var source = _plan.InputColumnFor(column);
            return _main!.GetGetter<TValue>(source);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
        {
            if (_main is not null) return _main.GetIdGetter();
            return (ref DataViewRowId id) => id = _ids[_index];
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main?.Dispose();
                _features?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
