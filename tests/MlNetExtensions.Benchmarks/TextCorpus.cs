namespace MlNetExtensions.Benchmarks;

/// <summary>
/// A reproducible multiclass text corpus standing in for the GitHub issue labeler (22 areas, not available here): every
/// class has its own vocabulary, mixed into documents of shared words, with some words of other classes as noise, and
/// class frequencies falling off as 1/(k + 3) as issue areas do. Words are made of random syllables; everything comes
/// from one seed.
/// </summary>
internal static class TextCorpus
{
    public sealed class Document
    {
        public string Area { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private static readonly string[] Onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "tr", "ch", "br", "pl", "sk"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ee"];

    /// <summary>
    /// <paramref name="count"/> documents of <paramref name="classes"/> classes: each word is, with probability
    /// <paramref name="classWordShare"/>, one of its class's 300 words (Zipf-distributed), with probability
    /// <paramref name="noiseShare"/> a word of another class, otherwise one of <paramref name="sharedWords"/> shared words
    /// (Zipf); <paramref name="minimumLength"/>–<paramref name="maximumLength"/> words. The defaults give, at 2,000 documents
    /// through <c>FeaturizeText</c>'s defaults, about 144,000 slots and 650 non-zeros a row: the issue labeler's shape
    /// (1,275 rows, 150,591 slots, ~650 non-zeros).
    /// The vocabularies come from <paramref name="vocabularySeed"/> and the documents from <paramref name="seed"/>, so
    /// training and test sets share the vocabularies and differ in the documents.
    /// </summary>
    public static Document[] Generate(int count, int seed, int classes = 22, double classWordShare = 0.12, double noiseShare = 0.04,
        int vocabularySeed = 12345, int sharedWords = 1000, int minimumLength = 40, int maximumLength = 220)
    {
        var vocabularyRandom = new Random(vocabularySeed);
        var used = new HashSet<string>();
        string NewWord()
        {
            while (true)
            {
                int syllables = 1 + vocabularyRandom.Next(4);
                var word = string.Concat(Enumerable.Range(0, syllables).Select(_ =>
                    Onsets[vocabularyRandom.Next(Onsets.Length)] + Vowels[vocabularyRandom.Next(Vowels.Length)]));
                if (used.Add(word)) return word;
            }
        }
        var shared = Enumerable.Range(0, sharedWords).Select(_ => NewWord()).ToArray();
        var own = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, 300).Select(_ => NewWord()).ToArray()).ToArray();
        var names = Enumerable.Range(0, classes).Select(k => $"area-{k:D2}").ToArray();

        var prior = Enumerable.Range(0, classes).Select(k => 1.0 / (k + 3)).ToArray();
        var classCdf = Cumulative(prior);
        var sharedCdf = Cumulative(Enumerable.Range(1, shared.Length).Select(r => 1.0 / r).ToArray());
        var ownCdf = Cumulative(Enumerable.Range(1, 300).Select(r => 1.0 / Math.Sqrt(r)).ToArray());

        var random = new Random(seed);
        var documents = new Document[count];
        var words = new List<string>();
        for (int i = 0; i < count; i++)
        {
            int k = Draw(classCdf, random);
            int length = minimumLength + random.Next(maximumLength - minimumLength + 1);
            words.Clear();
            for (int w = 0; w < length; w++)
            {
                double u = random.NextDouble();
                words.Add(u < classWordShare ? own[k][Draw(ownCdf, random)]
                    : u < classWordShare + noiseShare ? own[random.Next(classes)][Draw(ownCdf, random)]
                    : shared[Draw(sharedCdf, random)]);
            }
            documents[i] = new Document { Area = names[k], Text = string.Join(' ', words) };
        }
        return documents;
    }

    private static double[] Cumulative(double[] weights)
    {
        var cdf = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++) cdf[i] = sum += weights[i];
        for (int i = 0; i < cdf.Length; i++) cdf[i] /= sum;
        return cdf;
    }

    private static int Draw(double[] cdf, Random random)
    {
        int at = Array.BinarySearch(cdf, random.NextDouble());
        return Math.Min(at < 0 ? ~at : at, cdf.Length - 1);
    }
}
