using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Optimizers;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// One L-BFGS iteration per epoch on the full-batch objective: the weighted mean loss over all training rows plus
/// (λ/2)‖W‖², its gradient summed block by block (fixed blocks, fixed order, in Double) so the result does not depend on
/// anything but the data. Runs on the calling thread: L-BFGS is meant for small data sets. On sparse rows a block's
/// first-layer weight gradient is its touched rows only, added into the sum where the dense path adds its rows' zeros.
/// </summary>
/// <remarks>
/// A continued fit starts a fresh curvature memory (the model keeps no L-BFGS history), so it is not the same as one
/// longer L-BFGS run; it does continue from the weights and the epoch counter.
/// </remarks>
internal sealed class LbfgsEpochs : IEpochRunner
{
    private const int BlockRows = 256;

    private readonly IHostEnvironment _env;
    private readonly MlpNetwork _network;
    private readonly OutputLoss _loss;
    private readonly TrainingSet _train;
    private readonly int _units;
    private readonly float _lambda;
    private readonly double _trainWeight;
    private readonly MlpWorkspace _workspace;
    private readonly float[] _blockGradient, _gradient;
    private readonly SparseRowAccumulator? _firstLayer;
    private readonly double[] _sum;
    private readonly LbfgsMinimizer _minimizer;
    private readonly double _tolerance;
    private float[]? _x;
    private double _value;
    private long _iterations;

    public LbfgsEpochs(IHostEnvironment env, MlpNetwork network, OutputLoss loss, TrainingSet train, int units, float lambda, double trainWeight,
        double gradientTolerance)
    {
        (_env, _network, _loss, _train, _units, _lambda, _trainWeight, _tolerance) =
            (env, network, loss, train, units, lambda, trainWeight, gradientTolerance);
        _workspace = new MlpWorkspace(network, Math.Min(BlockRows, train.Count));
        int skipped = 0;
        if (train.Features is SparseRows sparse)
        {
            var first = network.Layers[0];
            skipped = first.WeightCount;
            int most = 0;
            for (int start = 0; start < sparse.Count; start += _workspace.BatchCapacity)
                most = Math.Max(most, sparse.Offsets[Math.Min(start + _workspace.BatchCapacity, sparse.Count)] - sparse.Offsets[start]);
            // Grown by doubling if a block touches more rows (text rows share most of theirs), as the mini-batch pieces.
            _firstLayer = new SparseRowAccumulator(first.Inputs, first.Outputs, Math.Max(1024, most / 10));
        }
        _blockGradient = new float[network.Parameters.Length - skipped];
        _gradient = new float[network.Parameters.Length];
        _sum = new double[network.Parameters.Length];
        _minimizer = new LbfgsMinimizer(network.Parameters.Length);
    }

    public int BatchSize => _train.Count;

    public void Restore(MlpTrainingState state, IChannel channel)
    {
        if (state.Optimizer == MlpOptimizer.Lbfgs) _iterations = state.OptimizerSteps;
    }

    public (long Steps, float[]? FirstMoments, float[]? SecondMoments) OptimizerState() => (_iterations, null, null);

    /// <summary>
    /// One iteration. The minimiser works on its own copy of the parameters (its trial points are evaluated in the
    /// network's array); the network gets the accepted point at the end.
    /// </summary>
    public (double MeanLoss, LbfgsOutcome? Outcome) Run(int epoch, double rate)
    {
        if (_x is null)
        {
            _x = (float[])_network.Parameters.Clone();
            _value = Evaluate(_x, _gradient);
        }
        if (!double.IsFinite(_value)) return (_value, null);
        var outcome = _minimizer.Iterate(_x, ref _value, _gradient, Evaluate, _tolerance);
        _x.CopyTo(_network.Parameters, 0);
        if (outcome != LbfgsOutcome.NoProgress) _iterations++;
        return (_value, outcome);
    }

    /// <summary>The full-batch objective at <paramref name="parameters"/> (copied into the network) and its gradient.</summary>
    private double Evaluate(float[] parameters, float[] gradient)
    {
        MlNetInternals.ThrowIfCanceled(_env);
        parameters.CopyTo(_network.Parameters, 0);
        Array.Clear(_sum);
        double total = 0;
        float scale = (float)(1 / _trainWeight);
        int skipped = _firstLayer is null ? 0 : _network.FirstLayerWeightCount;
        for (int start = 0; start < _train.Count; start += _workspace.BatchCapacity)
        {
            int rows = Math.Min(_workspace.BatchCapacity, _train.Count - start);
            var x = MlpInput.From(_train.Features, start, rows);
            _network.Forward(x, _workspace);
            total += _loss.Evaluate(_workspace.Activations[^1].AsSpan(0, rows * _units), _units, _train.Labels.AsSpan(start, rows),
                _train.Weights.AsSpan(start, rows), rows, scale, writeGradient: true);
            _network.Backward(x, _workspace, _blockGradient, _firstLayer);
            for (int i = 0; i < _blockGradient.Length; i++) _sum[skipped + i] += _blockGradient[i];
            _firstLayer?.AddTo(_sum.AsSpan(0, skipped));
        }
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)_sum[i];
        _network.AddL2Gradient(gradient, _lambda);
        return total / _trainWeight + 0.5 * _lambda * _network.SquaredWeightNorm();
    }

    public void Dispose()
    {
    }
}
