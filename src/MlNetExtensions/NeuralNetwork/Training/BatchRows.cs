using System.Runtime.CompilerServices;
using MlNetExtensions.Data;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// The rows of one mini-batch, gathered from the held training rows in the epoch's order into buffers allocated once, in
/// the rows' own layout: dense rows into one row-major block (batch × d floats), sparse rows into compressed sparse row
/// arrays sized for the batch with the most non-zeros (never batch × d).
/// </summary>
internal sealed class BatchRows
{
    private readonly FeatureRows _source;
    private readonly float[] _dense = [];
    private readonly int[] _offsets = [], _indices = [];
    private readonly float[] _values = [];

    /// <summary>The held sparse rows' non-zero counts, ascending (empty for dense rows): sorted once, read by every piece.</summary>
    private readonly int[] _sortedLengths = [];

    public BatchRows(FeatureRows source, int capacity)
    {
        _source = source;
        Labels = new float[capacity];
        Weights = new float[capacity];
        if (source is SparseRows sparse)
        {
            _offsets = new int[capacity + 1];
            _sortedLengths = new int[sparse.Count];
            for (int r = 0; r < _sortedLengths.Length; r++) _sortedLengths[r] = sparse.Offsets[r + 1] - sparse.Offsets[r];
            Array.Sort(_sortedLengths);
            int most = MostNonZeros(capacity);
            _indices = new int[most];
            _values = new float[most];
        }
        else _dense = new float[(long)capacity * source.FeatureCount];
    }

    public bool IsSparse => _source is SparseRows;
    public float[] Labels { get; }
    public float[] Weights { get; }

    /// <summary>Copies the rows <paramref name="rows"/> (indices into the held rows) of <paramref name="set"/>, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(TrainingSet set, ReadOnlySpan<int> rows)
    {
        if (_source is SparseRows sparse)
        {
            int at = 0;
            for (int i = 0; i < rows.Length; i++)
            {
                int r = rows[i], from = sparse.Offsets[r], length = sparse.Offsets[r + 1] - from;
                Array.Copy(sparse.Indices, from, _indices, at, length);
                Array.Copy(sparse.Values, from, _values, at, length);
                at += length;
                _offsets[i + 1] = at;
            }
        }
        else
        {
            var dense = (DenseRows)_source;
            int d = dense.FeatureCount;
            for (int i = 0; i < rows.Length; i++) Array.Copy(dense.Values, (long)rows[i] * d, _dense, (long)i * d, d);
        }
        for (int i = 0; i < rows.Length; i++)
        {
            Labels[i] = set.Labels[rows[i]];
            Weights[i] = set.Weights[rows[i]];
        }
    }

    /// <summary>Gathered rows [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) as network input.</summary>
    public MlpInput Input(int from, int count)
    {
        int d = _source.FeatureCount;
        return IsSparse
            ? MlpInput.FromSparse(new CsrRows(_offsets.AsSpan(from, count + 1), _indices, _values, d))
            : MlpInput.FromDense(_dense.AsSpan(from * d, count * d), count);
    }

    /// <summary>The most non-zeros any <paramref name="count"/> of the held rows hold together (the largest rows' sum; 0 for dense rows).</summary>
    public int MostNonZeros(int count)
    {
        var lengths = _sortedLengths;
        long sum = 0;
        for (int i = lengths.Length - 1; i >= Math.Max(0, lengths.Length - count); i--) sum += lengths[i];
        return (int)Math.Min(sum, Array.MaxLength);
    }
}
