package io.pulsarproxy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.pulsarproxy.resources.PublishRequestLog;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code operations:} section: the admin token, what SIGTERM does, the delivery probe and
 * readiness thresholds, and which topics get metrics of their own.
 */
public class OperationsFactory {
  /** SHA-256 of the admin token; empty means the admin port is unprotected (keep it private). */
  @JsonProperty
  @Pattern(regexp = "|[0-9a-fA-F]{64}", message = "must be empty or the 64 hex digits of a SHA-256")
  private String adminTokenSha256 = "";

  @JsonProperty @NotNull private Duration readinessDelay = Duration.seconds(5);

  @JsonProperty
  @MinDuration(value = 0, unit = TimeUnit.SECONDS)
  private Duration drainWindow = Duration.seconds(20);

  @JsonProperty
  @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
  private Duration probeInterval = Duration.seconds(5);

  @JsonProperty
  @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
  private Duration probeDeadline = Duration.seconds(3);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration followerStuckAfter = Duration.seconds(10);

  @JsonProperty @NotNull private List<String> metricTopics = List.of();

  @JsonProperty private boolean noopEndpoint = false;

  /** Which publishes the request log records: all, or (shipped) only those refused or failed. */
  @JsonProperty
  @NotNull
  @Pattern(regexp = "(?i)all|failures", message = "must be 'all' or 'failures'")
  private String publishRequestLog = "failures";

  public String adminTokenSha256() {
    return adminTokenSha256 == null ? "" : adminTokenSha256;
  }

  public java.time.Duration readinessDelay() {
    return readinessDelay.toJavaDuration();
  }

  public java.time.Duration drainWindow() {
    return drainWindow.toJavaDuration();
  }

  public java.time.Duration probeInterval() {
    return probeInterval.toJavaDuration();
  }

  public java.time.Duration probeDeadline() {
    return probeDeadline.toJavaDuration();
  }

  public long followerStuckSeconds() {
    return followerStuckAfter.toSeconds();
  }

  public List<String> metricTopics() {
    return metricTopics;
  }

  public PublishRequestLog.Policy publishRequestLog() {
    return PublishRequestLog.Policy.parse(publishRequestLog);
  }

  /** Whether {@code POST /api/v1/noop} is served: the framework's ceiling, for perf baselines. */
  public boolean noopEndpoint() {
    return noopEndpoint;
  }
}
