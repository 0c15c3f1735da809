using System.Runtime.CompilerServices;
using Microsoft.ML.Data;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Scoring;

/// <summary>
/// Feature rows read from <see cref="VBuffer{T}"/>s for scoring, in the rows' own storage: a block is sparse when its
/// first row is (indices and values copied; a dense row added later contributes its non-zeros) and dense otherwise (a
/// sparse row added later is scattered into zeros). Both layouts give the network the same values (<see cref="SparseGemm"/>),
/// so the storage only decides the cost: a sparse row costs O(non-zeros × first-layer width) and never touches a
/// d-wide buffer, which is what makes a 150,000-slot text row cost microseconds.
/// </summary>
internal sealed class FeatureBlock
{
    private readonly int _capacity;
    private readonly int[] _offsets;
    private float[]? _dense;
    private int[] _indices = new int[64];
    private float[] _values = new float[64];

    public FeatureBlock(int featureCount, int capacity)
    {
        FeatureCount = featureCount;
        _capacity = capacity;
        _offsets = new int[capacity + 1];
    }

    public int FeatureCount { get; }
    public int Count { get; private set; }
    public bool IsSparse { get; private set; }

    /// <summary>Empties the block.</summary>
    public void Clear() => Count = 0;

    /// <summary>Appends <paramref name="row"/> (its length checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in VBuffer<float> row)
    {
        if (Count == _capacity) throw new InvalidOperationException("The feature block is full.");
        if (Count == 0) IsSparse = !row.IsDense;
        var values = row.GetValues();
        if (IsSparse)
        {
            int at = _offsets[Count];
            if (at + values.Length > _indices.Length)
            {
                int size = Math.Max(2 * _indices.Length, at + values.Length);
                Array.Resize(ref _indices, size);
                Array.Resize(ref _values, size);
            }
            if (row.IsDense)
            {
                for (int j = 0; j < values.Length; j++)
                {
                    if (values[j] == 0) continue;
                    _indices[at] = j;
                    _values[at++] = values[j];
                }
            }
            else
            {
                row.GetIndices().CopyTo(_indices.AsSpan(at));
                values.CopyTo(_values.AsSpan(at));
                at += values.Length;
            }
            _offsets[Count + 1] = at;
        }
        else
        {
            _dense ??= new float[(long)_capacity * FeatureCount];
            var target = _dense.AsSpan(Count * FeatureCount, FeatureCount);
            if (row.IsDense) values.CopyTo(target);
            else
            {
                target.Clear();
                var indices = row.GetIndices();
                for (int k = 0; k < values.Length; k++) target[indices[k]] = values[k];
            }
        }
        Count++;
    }

    /// <summary>The block's rows as network input.</summary>
    public MlpInput Input => IsSparse
        ? MlpInput.FromSparse(new CsrRows(_offsets.AsSpan(0, Count + 1), _indices, _values, FeatureCount))
        : MlpInput.FromDense(_dense.AsSpan(0, Count * FeatureCount), Count);
}
