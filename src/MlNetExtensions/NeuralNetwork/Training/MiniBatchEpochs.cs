using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Optimizers;

namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// One epoch of mini-batch back-propagation: the rows in the epoch's order (<see cref="TrainingRandom.EpochOrder"/>), cut
/// into batches of <see cref="BatchSize"/> (the last one smaller), one optimizer step per batch on the weighted mean
/// loss of the batch plus λ·W. Buffers are allocated once; a batch allocates nothing.
/// </summary>
/// <remarks>
/// A batch of at least <see cref="SplitMinimumRows"/> rows is always processed as two fixed halves, each with its own
/// forward pass, loss and gradient, summed in a fixed order; the second half runs on a helper thread when one is
/// allowed (<see cref="HalfBatchWorker"/>), otherwise right after the first. Smaller batches run in one piece.
/// </remarks>
internal sealed class MiniBatchEpochs : IEpochRunner
{
    /// <summary>Below this many rows a batch is not split: the halves' hand-over would cost more than it saves.</summary>
    internal const int SplitMinimumRows = 128;

    private readonly IHostEnvironment _env;
    private readonly MlpNetwork _network;
    private readonly OutputLoss _loss;
    private readonly DenseDataset _train;
    private readonly int _units, _seed;
    private readonly bool _shuffle;
    private readonly float _lambda;
    private readonly double _trainWeight;
    private readonly ParameterOptimizer _optimizer;
    private readonly MlpWorkspace _workspace;
    private readonly float[] _gradient, _batchX, _batchY, _batchW;
    private readonly int[] _order;
    private readonly HalfBatch? _first, _second;
    private readonly HalfBatchWorker? _worker;
    private readonly Action? _runFirst;

    public MiniBatchEpochs(IHostEnvironment env, MlpNetwork network, OutputLoss loss, DenseDataset train, int units, float lambda,
        double trainWeight, MlpOptions options, int seed)
    {
        (_env, _network, _loss, _train, _units, _lambda, _trainWeight, _seed, _shuffle) =
            (env, network, loss, train, units, lambda, trainWeight, seed, options.Shuffle);
        int n = train.Count, d = train.FeatureCount;
        BatchSize = Math.Min(options.BatchSize ?? MlpOptions.Defaults.BatchSize, n);
        _optimizer = ParameterOptimizer.Create(options, network.Parameters.Length);
        _workspace = new MlpWorkspace(network, BatchSize);
        _gradient = new float[network.Parameters.Length];
        _batchX = new float[BatchSize * d];
        _batchY = new float[BatchSize];
        _batchW = new float[BatchSize];
        _order = new int[n];
        if (BatchSize >= SplitMinimumRows)
        {
            _first = new HalfBatch(network, loss, units, (BatchSize + 1) / 2, _batchX, _batchY, _batchW);
            _second = new HalfBatch(network, loss, units, (BatchSize + 1) / 2, _batchX, _batchY, _batchW);
            _runFirst = _first.Run;
            if (options.MaximumThreads >= 2) _worker = new HalfBatchWorker(_second.Run);
        }
    }

    public int BatchSize { get; }

    public void Restore(MlpTrainingState state, IChannel channel)
    {
        if (state.Optimizer != OptimizerKind || (_optimizer.FirstMoments?.Length ?? 0) != (state.FirstMoments?.Length ?? 0))
        {
            channel.Info(MessageSensitivity.None,
                $"The model's optimizer state is {state.Optimizer}'s; {OptimizerKind} starts with fresh moments.");
            return;
        }
        _optimizer.Restore(state.OptimizerSteps, state.FirstMoments, state.SecondMoments);
    }

    private MlpOptimizer OptimizerKind => _optimizer switch
    {
        AdamOptimizer => MlpOptimizer.Adam,
        MomentumOptimizer => MlpOptimizer.Momentum,
        _ => MlpOptimizer.Sgd,
    };

    public (long Steps, float[]? FirstMoments, float[]? SecondMoments) OptimizerState()
        => (_optimizer.Steps, (float[]?)_optimizer.FirstMoments?.Clone(), (float[]?)_optimizer.SecondMoments?.Clone());

    public (double MeanLoss, LbfgsOutcome? Outcome) Run(int epoch, double rate)
    {
        _optimizer.LearningRate = rate;
        int n = _train.Count;
        TrainingRandom.EpochOrder(_order, _seed, epoch, _shuffle);
        double epochLoss = 0;
        for (int start = 0; start < n; start += BatchSize)
        {
            MlNetInternals.ThrowIfCanceled(_env);
            int rows = Math.Min(BatchSize, n - start);
            Gather(start, rows);
            double weightSum = MlpLearner.Sum(_batchW, rows);
            float scale = weightSum > 0 ? (float)(1 / weightSum) : 0f;
            double batchLoss;
            if (_first is not null && rows >= SplitMinimumRows)
            {
                _first.Set(0, rows / 2, scale);
                _second!.Set(rows / 2, rows - rows / 2, scale);
                if (_worker is not null) _worker.Run(_runFirst!);
                else
                {
                    _first.Run();
                    _second.Run();
                }
                batchLoss = _first.Loss + _second.Loss;
                System.Numerics.Tensors.TensorPrimitives.Add(_first.Gradient, _second.Gradient, _gradient);
            }
            else
            {
                var logits = _network.Forward(_batchX, rows, _workspace);
                batchLoss = _loss.Evaluate(_workspace.Activations[^1].AsSpan(0, logits.Length), _units, _batchY, _batchW, rows,
                    scale, writeGradient: true);
                _network.Backward(_batchX, rows, _workspace, _gradient);
            }
            if (!double.IsFinite(batchLoss)) return (batchLoss, null);
            // The batch's mean loss plus its penalty, both at the weights the batch saw, weighted by the batch's weight:
            // scikit-learn's loss_curve_ (and so its n_iter_no_change test) adds them up the same way.
            epochLoss += batchLoss + (_lambda == 0 ? 0 : 0.5 * _lambda * _network.SquaredWeightNorm() * weightSum);
            _network.AddL2Gradient(_gradient, _lambda);
            _optimizer.Step(_network.Parameters, _gradient);
        }
        return (epochLoss / _trainWeight, null);
    }

    private void Gather(int start, int rows)
    {
        int d = _train.FeatureCount;
        for (int i = 0; i < rows; i++)
        {
            int r = _order[start + i];
            Array.Copy(_train.Features, r * d, _batchX, i * d, d);
            _batchY[i] = _train.Labels[r];
            _batchW[i] = _train.Weights[r];
        }
    }

    public void Dispose() => _worker?.Dispose();

    /// <summary>One half of a batch: its rows' forward pass, loss and gradient, in buffers of its own.</summary>
    private sealed class HalfBatch(MlpNetwork network, OutputLoss loss, int units, int capacity, float[] x, float[] y, float[] w)
    {
        private int _offset, _count;
        private float _scale;

        public MlpWorkspace Workspace { get; } = new(network, capacity);
        public float[] Gradient { get; } = new float[network.Parameters.Length];
        public double Loss { get; private set; }

        public void Set(int offset, int count, float scale) => (_offset, _count, _scale) = (offset, count, scale);

        public void Run()
        {
            int d = network.InputCount;
            var rows = x.AsSpan(_offset * d, _count * d);
            network.Forward(rows, _count, Workspace);
            Loss = loss.Evaluate(Workspace.Activations[^1].AsSpan(0, _count * units), units, y.AsSpan(_offset, _count),
                w.AsSpan(_offset, _count), _count, _scale, writeGradient: true);
            network.Backward(rows, _count, Workspace, Gradient);
        }
    }
}
