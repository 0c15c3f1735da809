using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork.Heads;

namespace MlNetExtensions.NeuralNetwork.Scoring;

/// <summary>
/// The single-row path (what <c>PredictionEngine</c> uses): the network runs on the one row when a prediction column is
/// read, once per row position. The kernels sum in the same order for one row as for a block, so a row gets the same bits
/// here as in <see cref="MlpScoringDataView"/>. A sparse row runs the first layer over its non-zeros only
/// (<see cref="FeatureBlock"/>): no d-wide buffer is cleared or read per prediction.
/// </summary>
internal sealed class MlpRowMapper(MlpScoringPlan plan) : IRowToRowMapper
{
    public DataViewSchema InputSchema => plan.InputSchema;
    public DataViewSchema OutputSchema => plan.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToArray();
        var inputs = plan.InputColumnsFor(columns).ToList();
        if (columns.Any(plan.IsOutput)) inputs.Add(plan.InputSchema[plan.FeatureColumnName]);
        return inputs.Distinct();
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        => new Row(plan, input, activeColumns.ToArray());

    private sealed class Row : DataViewRow, IMlpLogits
    {
        private readonly MlpScoringPlan _plan;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly Delegate?[] _outputGetters;
        private readonly ValueGetter<VBuffer<float>>? _features;
        private readonly MlpWorkspace? _workspace;
        private readonly FeatureBlock? _x;
        private VBuffer<float> _row;
        private long _computedAt = -1;
        private float[] _logits = [];

        public Row(MlpScoringPlan plan, DataViewRow input, DataViewSchema.Column[] active)
        {
            _plan = plan;
            _input = input;
            _active = new bool[plan.OutputSchema.Count];
            foreach (var c in active) _active[c.Index] = true;
            _outputGetters = new Delegate?[plan.OutputSchema.Count];
            if (!active.Any(plan.IsOutput)) return;
            _features = input.GetGetter<VBuffer<float>>(input.Schema[plan.FeatureColumnName]);
            _workspace = new MlpWorkspace(plan.Network, 1);
            _x = new FeatureBlock(plan.Network.InputCount, 1);
            plan.Head.MakeGetters(active.Where(plan.IsOutput), this, _outputGetters);
        }

        public override DataViewSchema Schema => _plan.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        ReadOnlySpan<float> IMlpLogits.Logits
        {
            get
            {
                if (_computedAt != _input.Position || _input.Position < 0) Compute();
                return _logits;
            }
        }

        long IMlpLogits.Position => _input.Position;

        private void Compute()
        {
            _features!(ref _row);
            int d = _x!.FeatureCount;
            if (_row.Length != d)
                throw new InvalidOperationException(
                    $"Feature column '{_plan.FeatureColumnName}' holds a vector of {_row.Length} values, but the MLP was trained on {d}.");
            _x.Clear();
            _x.Add(_row);
            _plan.Network.Forward(_x.Input, _workspace!);
            _logits = _workspace!.Activations[^1];
            _computedAt = _input.Position;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            if (_outputGetters[column.Index] is { } getter)
                return getter as ValueGetter<TValue>
                    ?? throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
            return _input.GetGetter<TValue>(_plan.InputColumnFor(column));
        }
    }
}
