using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>Unsupported or broken tokenizer files fail with one-line messages naming the file and key.</summary>
public class TokenizerLoadErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string file = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(file, json);
        return file;
    }

    private const string ByteLevelPre = "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}";

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    public void Non_bpe_models_are_not_supported(string type)
    {
        string file = Write($"{{\"model\": {{\"type\": \"{type}\", \"vocab\": []}}, {ByteLevelPre}}}");
        var ex = Assert.Throws<NotSupportedException>(() => Tokenizer.FromFile(file));
        Assert.Contains(file, ex.Message);
        Assert.Contains("model.type", ex.Message);
        Assert.Contains(type, ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void Missing_model_names_the_key()
    {
        string file = Write("{\"added_tokens\": []}");
        var ex = Assert.Throws<InvalidDataException>(() => Tokenizer.FromFile(file));
        Assert.Contains(file, ex.Message);
        Assert.Contains("'model'", ex.Message);
    }

    [Fact]
    public void Merge_with_unknown_token_names_the_merge_index()
    {
        string file = Write($"{{\"model\": {{\"type\": \"BPE\", \"vocab\": {{\"a\": 0, \"b\": 1}}, \"merges\": [\"a b\"]}}, {ByteLevelPre}}}");
        var ex = Assert.Throws<InvalidDataException>(() => Tokenizer.FromFile(file));
        Assert.Contains("model.merges[0]", ex.Message);
    }

    [Fact]
    public void Sentencepiece_style_bpe_without_bytelevel_is_rejected()
    {
        string file = Write("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}");
        var ex = Assert.Throws<NotSupportedException>(() => Tokenizer.FromFile(file));
        Assert.Contains("pre_tokenizer.type 'Metaspace'", ex.Message);
    }

    [Fact]
    public void Byte_fallback_is_rejected()
    {
        string file = Write($"{{\"model\": {{\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": {{}}, \"merges\": []}}, {ByteLevelPre}}}");
        var ex = Assert.Throws<NotSupportedException>(() => Tokenizer.FromFile(file));
        Assert.Contains("model.byte_fallback", ex.Message);
    }

    [Fact]
    public void Empty_folder_says_which_files_were_looked_for()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Tokenizer.FromFolder(_dir));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains(_dir, ex.Message);
    }
}
