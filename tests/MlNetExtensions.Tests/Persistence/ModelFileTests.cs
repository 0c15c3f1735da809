using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Persistence;

/// <summary>Issue 6 §3: broken model files fail with a top-level message that says what is wrong.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly MLContext _ml = new(seed: 0);
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetext-modelfile-").FullName;
    private readonly IDataView _data;
    private readonly string _good;

    public ModelFileTests()
    {
        _data = TestData.Load(_ml, "diabetes.csv");
        _good = Path.Combine(_folder, "good.zip");
        _ml.Model.SaveWithChecksum(_ml.Regression.Trainers.ClosedFormLinearRegression().Fit(_data), _data.Schema, _good);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private InvalidDataException LoadFails(string path)
        => Assert.Throws<InvalidDataException>(() => _ml.Model.LoadVerified(path, out _));

    [Fact]
    public void SaveWithChecksum_IsStillAnOrdinaryMlNetModel()
    {
        var plain = _ml.Model.Load(_good, out _);
        var verified = _ml.Model.LoadVerified(_good, out var schema);
        Assert.NotNull(schema);
        Assert.Equal(plain.Transform(_data).GetColumn<float>("Score"), verified.Transform(_data).GetColumn<float>("Score"));
    }

    [Fact]
    public void LoadVerified_MissingFile_ThrowsFileNotFound()
        => Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => _ml.Model.LoadVerified(Path.Combine(_folder, "nope.zip"), out _)).Message);

    [Fact]
    public void LoadVerified_EmptyFile_SaysEmpty()
        => Assert.Contains("is empty (0 bytes)", LoadFails(Write("empty.zip", [])).Message);

    [Fact]
    public void LoadVerified_TruncatedFile_SaysTruncated()
    {
        var bytes = File.ReadAllBytes(_good);
        Assert.Contains("not a zip archive, or is truncated", LoadFails(Write("truncated.zip", bytes[..(bytes.Length / 2)])).Message);
    }

    [Fact]
    public void LoadVerified_RandomBytes_SaysNotAZip()
    {
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        Assert.Contains("not a zip archive", LoadFails(Write("random.zip", bytes)).Message);
    }

    [Fact]
    public void LoadVerified_ZipOfSomethingElse_SaysNotAnMlNetModel()
    {
        string path = Path.Combine(_folder, "other.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            writer.Write("hello");
        Assert.Contains("not an ML.NET model", LoadFails(path).Message);
    }

    [Fact]
    public void LoadVerified_AnyFlippedBit_EitherFailsAtTopLevelOrChangesNothing()
    {
        // Flip one bit at a time across the file (every 5th byte, to keep it quick). A flip must never give a different
        // model: either LoadVerified refuses the file with a message about it, or the flip hit bytes that carry no
        // content (a timestamp, a header field) and the model scores exactly as before.
        var original = File.ReadAllBytes(_good);
        var expected = _ml.Model.Load(_good, out _).Transform(_data).GetColumn<float>("Score").ToArray();
        int detected = 0, harmless = 0;
        for (int i = 0; i < original.Length; i += 5)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= 0x10;
            string path = Write("flipped.zip", bytes);
            try
            {
                var scores = _ml.Model.LoadVerified(path, out _).Transform(_data).GetColumn<float>("Score").ToArray();
                Assert.Equal(expected, scores);
                harmless++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith("The model file", e.Message);
                detected++;
            }
        }
        // Most of a model zip is compressed content: most flips must be caught.
        Assert.True(detected > harmless, $"{detected} flips detected, {harmless} harmless");
    }

    [Fact]
    public void PlainMlNetLoad_OfABitFlippedWeight_LoadsSilently_WhichIsWhyLoadVerifiedExists()
    {
        // Documents the gap: a plain Model.Save zip whose weight bytes change still loads in ML.NET.
        string plain = Path.Combine(_folder, "plain.zip");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(_data);
        _ml.Model.Save(model, _data.Schema, plain);
        string tampered = Path.Combine(_folder, "tampered.zip");
        File.Copy(plain, tampered);
        FlipBitInWeights(tampered);
        Assert.NotNull(_ml.Model.Load(tampered, out _));

        // The same tampering on a checksummed file is caught.
        string checkedPath = Path.Combine(_folder, "checked.zip");
        File.Copy(_good, checkedPath);
        FlipBitInWeights(checkedPath);
        Assert.Contains("Model.key", LoadFails(checkedPath).Message);
    }

    /// <summary>Rewrites the linear model's entry with one bit of its weights flipped (a valid zip, altered content).</summary>
    private static void FlipBitInWeights(string path)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("TransformerChain/Model/Model.key")!;
        byte[] content;
        using (var s = entry.Open())
        {
            using var m = new MemoryStream();
            s.CopyTo(m);
            content = m.ToArray();
        }
        content[^20] ^= 0x01;
        entry.Delete();
        using var w = zip.CreateEntry("TransformerChain/Model/Model.key").Open();
        w.Write(content);
    }
}
