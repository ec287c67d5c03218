package io.pulsarproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.core.ErrorWord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The error model has one place: every error word the documentation promises is in {@link
 * ErrorWord} with the status the documentation gives it, and only {@link Failure} makes error
 * bodies.
 */
class ErrorModelTest {
  private static final Pattern WORD = Pattern.compile("`([a-z][a-z0-9_]*)`");
  private static final Pattern STATUS = Pattern.compile("\\b([1-5][0-9][0-9])\\b");

  /** A documented error: its status and word, and where the documentation says so. */
  record Documented(int status, String word, String where) {}

  @Test
  void everyDocumentedErrorWordIsInTheCatalogueWithItsStatus() throws IOException {
    List<Documented> documented = new ArrayList<>();
    documented.addAll(errorTables(Path.of("docs/api.md")));
    documented.addAll(errorTables(Path.of("docs/protocol.md")));
    assertTrue(documented.size() > 30, "the error tables were found: " + documented);
    Set<String> catalogue =
        Arrays.stream(ErrorWord.values())
            .map(w -> w.status() + " " + w.word())
            .collect(Collectors.toSet());
    Set<String> missing = new TreeSet<>();
    for (Documented d : documented) {
      if (!catalogue.contains(d.status() + " " + d.word())) {
        missing.add(d.status() + " " + d.word() + " (" + d.where() + ")");
      }
    }
    assertEquals(Set.of(), missing, "documented but not produced by ErrorWord");
  }

  @Test
  void frameworkStatusesGetTheirGenericWord() {
    assertEquals("not_found", Failure.ofStatus(404, null, java.util.Map.of(), "").body().error());
    assertEquals("http_418", Failure.ofStatus(418, null, java.util.Map.of(), "").body().error());
    assertEquals(
        "Ambiguous URI path separator",
        Failure.ofStatus(400, "Ambiguous URI path separator", java.util.Map.of(), "")
            .body()
            .message());
  }

  @Test
  void onlyFailureMakesErrorBodiesAndOnlyErrorWordMakesRefusals() throws IOException {
    Path main = Path.of("src/main/java");
    try (Stream<Path> files = Files.walk(main)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String code = Files.readString(file);
        String name = main.relativize(file).toString().replace('\\', '/');
        if (!name.equals("io/pulsarproxy/api/Failure.java")) {
          assertFalse(code.contains("new ErrorBody("), name + " makes an ErrorBody of its own");
        }
        if (!name.equals("io/pulsarproxy/core/ErrorWord.java")) {
          assertFalse(code.contains("new ApiException("), name + " makes a refusal of its own");
        }
      }
    }
  }

  /**
   * The rows of every Markdown table whose header has an error column ({@code `error`}, "Error
   * word") and a status column ({@code Status}, {@code `code`}).
   */
  private static List<Documented> errorTables(Path doc) throws IOException {
    List<String> lines = Files.readAllLines(doc);
    List<Documented> found = new ArrayList<>();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (!lines.get(i).startsWith("|") || !lines.get(i + 1).startsWith("|---")) {
        continue;
      }
      List<String> header = cells(lines.get(i));
      int errorColumn = -1;
      int statusColumn = -1;
      for (int c = 0; c < header.size(); c++) {
        String h = header.get(c).toLowerCase();
        if (h.contains("error")) {
          errorColumn = c;
        } else if (h.contains("status") || h.equals("`code`")) {
          statusColumn = c;
        }
      }
      if (errorColumn < 0 || statusColumn < 0) {
        continue;
      }
      for (int r = i + 2; r < lines.size() && lines.get(r).startsWith("|"); r++) {
        List<String> row = cells(lines.get(r));
        Matcher status = STATUS.matcher(row.get(statusColumn));
        if (!status.find()) {
          continue;
        }
        Matcher word = WORD.matcher(row.get(errorColumn));
        while (word.find()) {
          found.add(
              new Documented(
                  Integer.parseInt(status.group(1)), word.group(1), doc + ":" + (r + 1)));
        }
      }
    }
    return found;
  }

  private static List<String> cells(String row) {
    String inner = row.strip();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    return Arrays.stream(inner.split("\\|", -1)).map(String::strip).toList();
  }
}
