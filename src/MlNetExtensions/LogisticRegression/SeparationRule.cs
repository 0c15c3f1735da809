using Microsoft.ML.Runtime;
using MlNetExtensions.Numerics.Optimization;

namespace MlNetExtensions.LogisticRegression;

/// <summary>
/// The logistic trainer's stopping rule: without L2, linearly separable data has no finite optimum (a multiple of a
/// separating direction drives the loss to 0), so iterating on would only grow the weights. It decides on either of two
/// grounds: the exact certificate (the current parameters put every row strictly on its side), or the trend that
/// certificate takes too long to show under slow optimizers: at iterations 32, 64, 128, … the objective keeps falling by a
/// constant factor per doubling of the iterations (the 1/t decay of separable data; a finite optimum makes the ratio tend
/// to 1), has fallen below a tenth of the null model's, and the weight norm keeps growing.
/// </summary>
internal sealed class SeparationRule(int featureCount, double initialObjective) : IStoppingRule
{
    private const double DecayPerDoubling = 0.7;
    private readonly List<(double Objective, double Norm)> _checkpoints = [];

    public bool ShouldStop(int iteration, double objective, double[] parameters, double minMargin)
    {
        if (minMargin > 0) return true;
        if (iteration < 32 || (iteration & (iteration - 1)) != 0) return false;
        double norm = 0;
        for (int k = 0; k < featureCount; k++) norm += parameters[k] * parameters[k];
        _checkpoints.Add((objective, Math.Sqrt(norm)));
        if (_checkpoints.Count < 3) return false;
        var (a, b, c) = (_checkpoints[^3], _checkpoints[^2], _checkpoints[^1]);
        return c.Objective < 0.1 * initialObjective
            && c.Objective <= DecayPerDoubling * b.Objective && b.Objective <= DecayPerDoubling * a.Objective
            && c.Norm > b.Norm && b.Norm > a.Norm;
    }

    /// <summary>
    /// Minimises with the separation rule in force. Without L2, gradient descent turns towards a separating direction so
    /// slowly (its loss falls like log t on breast_cancer) that the certificate would take millions of steps to show; a
    /// short Newton run, which finds a separating direction in a few steps when one exists, decides first; its result is
    /// returned only when it finds separation, and gradient descent then runs as asked otherwise.
    /// </summary>
    public static OptimizationResult Minimize(MinimizerKind kind, IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch)
    {
        if (objective.L2 != 0) return GlmMinimizer.Minimize(kind, objective, start, settings, env, ch);
        double f0 = objective.Evaluate(start, new double[objective.Dimension]);
        if (kind == MinimizerKind.GradientDescent)
        {
            const int probeIterations = 50;
            var probe = GlmMinimizer.Minimize(MinimizerKind.Newton, objective, start, settings with { MaximumIterations = probeIterations },
                env, ch, new SeparationRule(objective.FeatureCount, f0));
            bool separable = probe.Reason == StopReason.NoFiniteOptimum;
            ch.Info(MessageSensitivity.None, separable
                ? $"Without L2, a Newton probe found the data linearly separable after {probe.Iterations} steps; gradient descent is skipped."
                : "Without L2, a Newton probe found no linear separation; gradient descent follows.");
            if (separable) return probe;
        }
        return GlmMinimizer.Minimize(kind, objective, start, settings, env, ch, new SeparationRule(objective.FeatureCount, f0));
    }
}
