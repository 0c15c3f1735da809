using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// An IDataView of n generated regression rows that holds none of them: each cursor regenerates the rows from a seed,
/// so a pass over 10,000,000 rows costs no memory for the data itself. y = xᵀθ + 1 + noise, θⱼ = (j mod 7) − 3.
/// </summary>
internal sealed class StreamingRegressionDataView : IDataView
{
    private readonly long _rows;
    private readonly int _features;
    private readonly int _seed;

    public StreamingRegressionDataView(long rows, int features, int seed)
    {
        _rows = rows;
        _features = features;
        _seed = seed;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, features));
        builder.AddColumn("Label", NumberDataViewType.Single);
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [new Cursor(this)];

    private sealed class Cursor(StreamingRegressionDataView parent) : DataViewRowCursor
    {
        private readonly float[] _x = new float[parent._features];
        private ulong _state = (ulong)parent._seed * 0x9E3779B97F4A7C15UL + 1;
        private float _y;
        private long _position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            if (_position + 1 >= parent._rows) return false;
            _position++;
            double y = 1;
            for (int j = 0; j < _x.Length; j++)
            {
                _x[j] = NextUniform() * 2 - 1;
                y += ((j % 7) - 3) * _x[j];
            }
            _y = (float)(y + (NextUniform() - 0.5f));
            return true;
        }

        /// <summary>xorshift64*: fast and good enough for benchmark data.</summary>
        private float NextUniform()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return ((_state * 0x2545F4914F6CDD1DUL) >> 40) * (1f / (1 << 24));
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index == 0)
            {
                ValueGetter<VBuffer<float>> features = (ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, _x.Length);
                    _x.CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)features;
            }
            ValueGetter<float> label = (ref float value) => value = _y;
            return (ValueGetter<TValue>)(Delegate)label;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
