using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.NeuralNetwork.Losses;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpGradientTests
{
    [Theory]
    [InlineData(MlpTask.Regression, MlpActivation.Tanh, 1)]
    [InlineData(MlpTask.BinaryClassification, MlpActivation.Sigmoid, 1)]
    [InlineData(MlpTask.MulticlassClassification, MlpActivation.Relu, 3)]
    [InlineData(MlpTask.MulticlassClassification, MlpActivation.LeakyRelu, 4)]
    [InlineData(MlpTask.Regression, MlpActivation.Identity, 1)]
    [InlineData(MlpTask.MulticlassClassification, MlpActivation.Tanh, 3)]
    [InlineData(MlpTask.Regression, MlpActivation.Relu, 1)]
    public void Backward_EqualsCentralFiniteDifferencesOfTheWeightedMeanLoss(MlpTask task, MlpActivation activation, int outputs)
    {
        const int rows = 7, d = 5;
        var rng = new Random(3);
        var x = Enumerable.Range(0, rows * d).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
        var y = Enumerable.Range(0, rows).Select(_ => task switch
        {
            MlpTask.Regression => (float)rng.NextDouble(),
            MlpTask.BinaryClassification => rng.Next(2),
            _ => (float)rng.Next(outputs),
        }).ToArray();
        var w = Enumerable.Range(0, rows).Select(_ => (float)(0.5 + rng.NextDouble())).ToArray();
        var network = new MlpNetwork([d, 6, 4, outputs], activation, 0.1f);
        network.Initialize(new Random(5));
        // Move the biases off zero so that every path is exercised.
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] += (float)(0.5 * (rng.NextDouble() - 0.5));
        var loss = MlpTaskHead.For(task).Loss;
        var workspace = new MlpWorkspace(network, rows);
        float scale = 1 / w.Sum();

        double Loss()
        {
            network.Forward(x, rows, workspace);
            return loss.Evaluate(workspace.Activations[^1].AsSpan(0, rows * outputs), outputs, y, w, rows, 0, false) * scale;
        }

        network.Forward(x, rows, workspace);
        loss.Evaluate(workspace.Activations[^1].AsSpan(0, rows * outputs), outputs, y, w, rows, scale, true);
        var gradient = new float[network.Parameters.Length];
        network.Backward(x, rows, workspace, gradient);

        for (int i = 0; i < gradient.Length; i++)
        {
            float saved = network.Parameters[i];
            const float h = 2e-3f;
            network.Parameters[i] = saved + h;
            double up = Loss();
            network.Parameters[i] = saved - h;
            double down = Loss();
            network.Parameters[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 2e-3 + 2e-2 * Math.Abs(numeric),
                $"parameter {i}: back-propagation {gradient[i]}, finite differences {numeric}");
        }
    }
}
