package io.pulsarproxy;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.WsClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTPS and WSS with Dropwizard's {@code https} connector and a self-signed certificate made at
 * test time by the JDK's keytool: publish over HTTPS, subscribe over WSS, both trusting only that
 * certificate; plain HTTP to the TLS port gets no answer from the API; a client that does not trust
 * the certificate cannot connect.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class TlsTest {
  private static final String PASSWORD = "test-keystore-password";
  private static final Path KEYSTORE = selfSignedKeystore();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("server.applicationConnectors[0].type", "https"),
          ConfigOverride.config(
              "server.applicationConnectors[0].keyStorePath", KEYSTORE.toString()),
          ConfigOverride.config("server.applicationConnectors[0].keyStorePassword", PASSWORD),
          ConfigOverride.config("server.applicationConnectors[0].keyStoreType", "PKCS12"));

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A PKCS12 keystore with a fresh key and a certificate for 127.0.0.1 and localhost. */
  private static Path selfSignedKeystore() {
    try {
      Path dir = Files.createTempDirectory("pp-tls");
      Path keystore = dir.resolve("test.p12");
      Process keytool =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                  "-genkeypair",
                  "-alias",
                  "pulsar-proxy",
                  "-keyalg",
                  "EC",
                  "-groupname",
                  "secp256r1",
                  "-dname",
                  "CN=localhost",
                  "-ext",
                  "SAN=ip:127.0.0.1,dns:localhost",
                  "-validity",
                  "2",
                  "-storetype",
                  "PKCS12",
                  "-keystore",
                  keystore.toString(),
                  "-storepass",
                  PASSWORD)
              .redirectErrorStream(true)
              .start();
      String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      keystore.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return keystore;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An SSL context that trusts exactly the test certificate. */
  private static SSLContext trustingTheTestCertificate() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(KEYSTORE)) {
      store.load(in, PASSWORD.toCharArray());
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("pulsar-proxy", store.getCertificate("pulsar-proxy"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static String base(String scheme) {
    return scheme + "://127.0.0.1:" + APP.getLocalPort();
  }

  @Test
  void publishOverHttpsReachesASubscriberOverWss() throws Exception {
    SSLContext tls = trustingTheTestCertificate();
    HttpClient https = HttpClient.newBuilder().sslContext(tls).build();
    SslContextFactory.Client wssTls = new SslContextFactory.Client();
    wssTls.setSslContext(tls);
    org.eclipse.jetty.client.HttpClient jetty = new org.eclipse.jetty.client.HttpClient();
    jetty.setSslContextFactory(wssTls);
    WebSocketClient wss = new WebSocketClient(jetty);
    wss.start();
    try (WsClient subscriber =
        WsClient.connect(
            wss, URI.create(base("wss") + "/api/v1/ws?topic=tls.orders"), PUBLISHER, null)) {
      subscriber.nextOfType("subscribed", Duration.ofSeconds(10));
      HttpResponse<String> published =
          https.send(
              HttpRequest.newBuilder(
                      URI.create(base("https") + "/api/v1/topics/tls.orders/messages"))
                  .header("Authorization", "Bearer " + PUBLISHER)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":{\"over\":\"tls\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(201, published.statusCode(), published.body());
      String id = JSON.readTree(published.body()).get("id").asText();
      List<JsonNode> got = subscriber.messages(1, Duration.ofSeconds(10));
      assertEquals(id, got.get(0).get("id").asText());
      assertEquals("tls", got.get(0).get("payload").get("over").asText());
    } finally {
      wss.stop();
    }
  }

  @Test
  void plainHttpToTheTlsPortGetsNoAnswerFromTheApi() throws Exception {
    try (Socket plain = new Socket("127.0.0.1", APP.getLocalPort())) {
      plain.setSoTimeout(10_000);
      plain
          .getOutputStream()
          .write(
              "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String answer;
      try {
        answer = new String(plain.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (IOException reset) {
        answer = "";
      }
      assertFalse(answer.startsWith("HTTP/1.1 2"), answer);
      assertFalse(answer.contains("\"status\""), answer);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base("http") + "/health/live"))
            .timeout(Duration.ofSeconds(10))
            .build();
    assertThrows(IOException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateCannotConnect() {
    HttpClient defaultTrust = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base("https") + "/health/live"))
            .timeout(Duration.ofSeconds(10))
            .build();
    IOException e =
        assertThrows(
            IOException.class,
            () -> defaultTrust.send(request, HttpResponse.BodyHandlers.ofString()));
    assertTrue(e instanceof SSLHandshakeException || e.getCause() != null, e.toString());
  }
}
