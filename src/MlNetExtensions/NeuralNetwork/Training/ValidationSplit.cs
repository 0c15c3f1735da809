using MlNetExtensions.Data;

namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// The rows held out for early stopping: ⌈fraction·n⌉ of them, as scikit-learn's <c>train_test_split</c>, drawn from the
/// seed's validation stream. For classifiers the split is stratified as scikit-learn's: class k gets
/// ⌊n_val·n_k/n⌋ rows, and the rows still missing go one each to the classes with the largest remainders (ties to the
/// smaller class index), so every class is held out in proportion. Training rows keep the data's order; both parts keep
/// the rows' layout (sparse rows stay sparse).
/// </summary>
internal static class ValidationSplit
{
    public static (TrainingSet Train, TrainingSet Validation) Split(TrainingSet data, double fraction, int classes, int seed)
    {
        int n = data.Count;
        int validationCount = (int)Math.Ceiling(n * fraction);
        if (validationCount < 1 || validationCount >= n)
            throw new InvalidOperationException(
                $"EarlyStopping needs at least one training and one validation row: ValidationFraction {fraction} " +
                $"of {n} rows leaves {validationCount} for validation and {n - validationCount} for training.");
        var random = TrainingRandom.For(seed, TrainingRandom.ValidationSplitStream);
        var held = new bool[n];
        if (classes < 2)
        {
            var order = Enumerable.Range(0, n).ToArray();
            random.Shuffle(order);
            for (int i = 0; i < validationCount; i++) held[order[i]] = true;
        }
        else
        {
            var members = Enumerable.Range(0, classes).Select(_ => new List<int>()).ToArray();
            for (int i = 0; i < n; i++) members[(int)data.Labels[i]].Add(i);
            var quota = Quotas(members.Select(m => m.Count).ToArray(), validationCount);
            for (int k = 0; k < classes; k++)
            {
                var rows = members[k].ToArray();
                random.Shuffle(rows);
                for (int i = 0; i < quota[k]; i++) held[rows[i]] = true;
            }
        }
        var trainRows = Enumerable.Range(0, n).Where(i => !held[i]).ToArray();
        var validationRows = Enumerable.Range(0, n).Where(i => held[i]).ToArray();
        return (data.Gather(trainRows), data.Gather(validationRows));
    }

    /// <summary>Rows per class for a stratified sample of <paramref name="total"/> rows (largest remainders).</summary>
    internal static int[] Quotas(int[] classCounts, int total)
    {
        long n = classCounts.Sum(c => (long)c);
        var quota = new int[classCounts.Length];
        var remainder = new double[classCounts.Length];
        for (int k = 0; k < quota.Length; k++)
        {
            double exact = (double)total * classCounts[k] / n;
            quota[k] = (int)Math.Floor(exact);
            remainder[k] = exact - quota[k];
        }
        int missing = total - quota.Sum();
        foreach (int k in Enumerable.Range(0, quota.Length).OrderByDescending(k => remainder[k]).ThenBy(k => k).Take(missing))
            quota[k]++;
        return quota;
    }
}
