using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;

namespace Verity.Hub.Tests.Tokenization;

public class BpeTrainerTests : IDisposable
{
    private static readonly string[] Specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Tokenizer TrainFixtureTokenizer(string sub)
    {
        var bpe = BpeTrainer.Train(TrainingCorpus.Read(TestPaths.Fixtures("tokenizer", "trainer_corpus.txt")), new BpeTrainerOptions(600, Specials));
        string dir = Path.Combine(_dir, sub);
        TrainedTokenizerWriter.Write(bpe, dir);
        return Tokenizer.FromFolder(dir);
    }

    [Fact]
    public void Trained_tokenizer_gives_the_ids_that_lenml_tokenizers_gives_for_the_same_files()
    {
        // trained.jsonl was written by make_fixtures.mjs from `verity tokenizer train --input
        // trainer_corpus.txt --vocab-size 600` loaded into the generic @lenml/tokenizers.
        var tok = TrainFixtureTokenizer("a");
        var lines = FixtureTokenizers.Read("trained.jsonl");
        Assert.True(lines.Count >= 50);
        foreach (var line in lines)
        {
            Assert.Equal(line.Ids, tok.Encode(line.Text, line.AddSpecialTokens));
            string nfc = Verity.Hub.Tokenization.Unicode.UnicodeNormalization.Normalize(line.Text, System.Text.NormalizationForm.FormC);
            Assert.Equal(nfc, tok.Decode(tok.Encode(line.Text, false)));
        }
        Assert.Equal(600, tok.VocabSize);
        Assert.Equal(599, tok.EosTokenId);  // <|im_end|>
        Assert.Equal(TrainedTokenizerWriter.ChatMlTemplate, tok.ChatTemplate);
    }

    [Fact]
    public void Training_is_deterministic_byte_for_byte()
    {
        TrainFixtureTokenizer("x");
        TrainFixtureTokenizer("y");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "x", "tokenizer.json")), File.ReadAllBytes(Path.Combine(_dir, "y", "tokenizer.json")));
    }

    [Fact]
    public void Most_frequent_pair_is_merged_first_and_rare_pairs_are_not_merged()
    {
        // words: "ab" x1, " ab" x2, " cd" x1 → (a,b) occurs 3 times, then (Ġ,ab) twice, the rest once.
        var bpe = BpeTrainer.Train(["ab ab ab cd"], new BpeTrainerOptions(300, []));
        Assert.Equal([("a", "b"), ("Ġ", "ab")], bpe.Merges);
        Assert.Equal(258, bpe.Tokens.Count);
    }

    [Fact]
    public void Special_tokens_are_never_merged_into()
    {
        var bpe = BpeTrainer.Train([string.Concat(Enumerable.Repeat("<|im_end|>x", 50))], new BpeTrainerOptions(400, ["<|im_end|>"]));
        Assert.DoesNotContain(bpe.Tokens, t => t.Contains("im_end"));
    }

    [Fact]
    public void Too_small_vocab_is_an_argument_error_with_the_minimum()
    {
        var ex = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["x"], new BpeTrainerOptions(100, Specials)));
        Assert.Contains("--vocab-size 100", ex.Message);
        Assert.Contains("259", ex.Message);
    }
}
