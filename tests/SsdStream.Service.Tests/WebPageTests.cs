using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace SsdStream.Service.Tests;

/// <summary>
/// The web page as a person uses it, in real headless Chromium (Debian's chromium and chromium-driver,
/// through Selenium) against the daemon on the demo camera: the live view moves, events arrive with their
/// snapshots, an event's clip plays, a recording plays. A screenshot of the page is kept as a test artifact.
/// </summary>
public sealed class WebPageTests
{
    [Fact]
    public async Task OnTheDemo_TheLiveViewMoves_EventsShowSnapshots_AndClipsAndRecordingsPlay()
    {
        using var daemon = new WebDaemon();
        await daemon.WaitUntilProcessingAsync(TimeSpan.FromSeconds(60));
        using var driver = Chromium();
        var js = (IJavaScriptExecutor)driver;
        driver.Navigate().GoToUrl(daemon.BaseUrl + "/");

        // (a) The demo camera's live view changes within 3 s.
        var live = Until(driver, () => driver.FindElements(By.CssSelector("[data-camera=\"demo\"] img")).FirstOrDefault(), TimeSpan.FromSeconds(20), "the demo camera's card");
        Until(driver, () => Convert.ToInt64(js.ExecuteScript("return arguments[0].naturalWidth", live)) > 0 ? live : null, TimeSpan.FromSeconds(20), "a first live frame");
        var first = ((ITakesScreenshot)live).GetScreenshot().AsByteArray;
        Until(driver, () => ((ITakesScreenshot)live).GetScreenshot().AsByteArray is var now && !now.AsSpan().SequenceEqual(first) ? now : null,
            TimeSpan.FromSeconds(3), "change in the live view");

        // (b) An event whose clip is closed appears in the list, its snapshot loaded.
        var ended = await daemon.WaitFor(async () =>
            (await daemon.Http.GetFromJsonAsync<JsonArray>("/api/events?camera=demo"))!
                .FirstOrDefault(e => (bool)e!["has_snapshot"]! && e["clip_path"] is not null), TimeSpan.FromSeconds(120), "event with a snapshot and a closed clip");
        var id = (string)ended!["id"]!;
        var item = Until(driver, () => driver.FindElements(By.CssSelector($"li[data-event=\"{id}\"]")).FirstOrDefault(), TimeSpan.FromSeconds(10), $"event {id} in the list");
        var snapshot = item.FindElement(By.TagName("img"));
        Until(driver, () => Convert.ToInt64(js.ExecuteScript("return arguments[0].complete && arguments[0].naturalWidth", snapshot)) > 0 ? snapshot : null,
            TimeSpan.FromSeconds(10), $"event {id}'s snapshot loaded");

        // (c) Clicking the event plays its clip. The list is drawn anew whenever an event starts or ends, so
        // the item is found again until a click lands on the one on the page.
        Until(driver, () =>
        {
            try
            {
                driver.FindElement(By.CssSelector($"li[data-event=\"{id}\"]")).Click();
                return "";
            }
            catch (StaleElementReferenceException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(10), $"a click on event {id}");
        AssertPlays(driver, "player", $"event {id}'s clip");

        // (d) A recording of the day plays (the list refreshes every 10 s).
        var recording = Until(driver, () => driver.FindElements(By.CssSelector("li[data-recording]")).FirstOrDefault(), TimeSpan.FromSeconds(30), "recording in the list");
        recording.Click();
        AssertPlays(driver, "recording-player", "a recording");

        // (e) The whole page as a screenshot, for people to look at.
        var height = Convert.ToInt32(js.ExecuteScript("return Math.ceil(document.documentElement.scrollHeight)"));
        driver.Manage().Window.Size = new System.Drawing.Size(1280, Math.Clamp(height + 200, 800, 4000));
        js.ExecuteScript("window.scrollTo(0, 0)");
        await Task.Delay(500);
        var artifact = Path.Combine(ReadmeTests.RepositoryRoot(), "artifacts", "test-results", "web-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        driver.GetScreenshot().SaveAsFile(artifact);
        Assert.True(new FileInfo(artifact).Length > 10_000, $"{artifact} is nearly empty");
    }

    /// <summary>Headless Debian Chromium through its own chromedriver (no driver download).</summary>
    private static ChromeDriver Chromium()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium", PageLoadStrategy = PageLoadStrategy.Eager };
        options.SetLoggingPreference(LogType.Browser, OpenQA.Selenium.LogLevel.All);
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--mute-audio");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>The video <paramref name="videoId"/> has its current frame (readyState ≥ 2) and its time advances.</summary>
    private static void AssertPlays(ChromeDriver driver, string videoId, string what)
    {
        var js = (IJavaScriptExecutor)driver;
        string State() => (string?)js.ExecuteScript(
            $"const v = document.getElementById('{videoId}'); return `${{v.readyState}} ${{v.currentTime}} ${{v.paused}} ${{v.error ? v.error.code + ' ' + v.error.message : ''}} ${{v.currentSrc}}`;") ?? "";
        double Time() => Convert.ToDouble(js.ExecuteScript($"return document.getElementById('{videoId}').currentTime"), System.Globalization.CultureInfo.InvariantCulture);
        Until(driver, () => Convert.ToInt64(js.ExecuteScript($"return document.getElementById('{videoId}').readyState")) >= 2 ? "" : null,
            TimeSpan.FromSeconds(15), $"{what}: readyState >= 2 (now {State()})");
        var start = Time();
        Until(driver, () => Time() > start + 0.2 ? "" : null, TimeSpan.FromSeconds(10), $"{what}: currentTime past {start} (now {State()})");
    }

    private static T Until<T>(ChromeDriver driver, Func<T?> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) break;
            Thread.Sleep(100);
        }
        string logs;
        try
        {
            logs = string.Join("\n", driver.Manage().Logs.GetLog(LogType.Browser).Select(l => l.Message));
        }
        catch (WebDriverException e)
        {
            logs = "(not available: " + e.Message + ")";
        }
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s; browser console:\n{logs}");
    }
}
