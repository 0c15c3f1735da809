using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Optimizers;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpOptimizerTests
{
    private static (MlpNetwork Network, float[] Gradient) Problem(int[] sizes, int seed)
    {
        var network = new MlpNetwork(sizes, MlpActivation.Relu, 0.01f);
        network.Initialize(new Random(seed));
        var rng = new Random(seed + 1);
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] += (float)(rng.NextDouble() - 0.5);
        var gradient = Enumerable.Range(0, network.Parameters.Length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return (network, gradient);
    }

    private static ParameterOptimizer Create(MlpOptimizer kind, int parameters) => ParameterOptimizer.Create(new MlpOptions
    {
        Optimizer = kind,
        LearningRate = 0.05,
        Momentum = 0.9,
        Nesterov = kind == MlpOptimizer.Momentum,
    }, parameters);

    [Theory]
    [InlineData(MlpOptimizer.Sgd)]
    [InlineData(MlpOptimizer.Momentum)]
    [InlineData(MlpOptimizer.Adam)]
    public void Step_ReturnsTheSquaredWeightNormOfTheNewWeights_ToTheBit(MlpOptimizer kind)
    {
        // Widths that leave scalar tails (5, 3) and one that does not (16): the fused sum must stream as SquaredWeightNorm does.
        var (network, gradient) = Problem([37, 5, 16, 3], seed: 2);
        var optimizer = Create(kind, network.Parameters.Length);
        for (int step = 0; step < 3; step++)
        {
            double fused = optimizer.Step(network.Parameters, gradient, network.Segments(), 0.01f);
            Assert.Equal(network.SquaredWeightNorm(), fused);
        }
        Assert.Equal(0, optimizer.Step(network.Parameters, gradient, network.Segments(), 0f));
    }

    [Fact]
    public void Step_PenalisesTheWeightsOnly_AsThePenalisedGradientWouldBeWritten()
    {
        // SGD's step is θ − η·(g + λθ) on weights and θ − η·g on biases, each product and sum rounded separately.
        var (network, gradient) = Problem([9, 4, 2], seed: 5);
        var before = (float[])network.Parameters.Clone();
        const float lambda = 0.1f, rate = 0.05f;
        Create(MlpOptimizer.Sgd, before.Length).Step(network.Parameters, gradient, network.Segments(), lambda);
        foreach (var layer in network.Layers)
        {
            for (int i = layer.Offset; i < layer.Offset + layer.WeightCount; i++)
                Assert.Equal((before[i] * lambda + gradient[i]) * -rate + before[i], network.Parameters[i]);
            for (int i = layer.Offset + layer.WeightCount; i < layer.Offset + layer.ParameterCount; i++)
                Assert.Equal(gradient[i] * -rate + before[i], network.Parameters[i]);
        }
    }

    [Theory]
    [InlineData(MlpOptimizer.Sgd, 5)]
    [InlineData(MlpOptimizer.Momentum, 32)]
    [InlineData(MlpOptimizer.Adam, 5)]
    [InlineData(MlpOptimizer.Adam, 32)]
    public void Step_ReadingTheFirstLayerFromTouchedRows_EqualsTheStepOverTheDenseGradient(MlpOptimizer kind, int hidden)
    {
        // Two halves' accumulators touching some of 61 rows (a few in both): their dense sum is the reference gradient.
        var (network, rest) = Problem([61, hidden, 3], seed: 7);
        int w0 = network.FirstLayerWeightCount;
        var halves = new[] { new SparseRowAccumulator(61, hidden, 4), new SparseRowAccumulator(61, hidden, 4) };
        var rng = new Random(8);
        var dense = (float[])rest.Clone();
        Array.Clear(dense, 0, w0);
        foreach (var half in halves)
            foreach (int row in Enumerable.Range(0, 61).Where(_ => rng.NextDouble() < 0.2))
            {
                var values = half.RowFor(row);
                for (int j = 0; j < hidden; j++) values[j] = (float)(rng.NextDouble() - 0.5);
                var target = dense.AsSpan(row * hidden, hidden);
                System.Numerics.Tensors.TensorPrimitives.Add(target, values, target);
            }
        var sparseNetwork = new MlpNetwork(network.LayerSizes, network.ActivationKind, network.LeakyReluSlope, (float[])network.Parameters.Clone());
        var a = Create(kind, network.Parameters.Length);
        var b = Create(kind, network.Parameters.Length);
        for (int step = 0; step < 3; step++)
        {
            double expected = a.Step(network.Parameters, dense, network.Segments(), 0.01f);
            double actual = b.Step(sparseNetwork.Parameters, rest.AsSpan(w0), sparseNetwork.Segments(), 0.01f,
                new SparseRowGradient(halves[0], halves[1]));
            Assert.Equal(network.Parameters, sparseNetwork.Parameters);
            Assert.Equal(expected, actual);
        }
    }
}
