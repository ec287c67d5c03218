package io.pulsarproxy.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.validation.MinDataSize;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** The {@code limits:} section; see config.yml for what each bounds. */
public class LimitsFactory {
  @JsonProperty
  @MinDataSize(1)
  private DataSize maxMessageSize = DataSize.mebibytes(1);

  @JsonProperty
  @MinDataSize(1)
  private DataSize maxBatchSize = DataSize.mebibytes(16);

  @JsonProperty
  @Min(1)
  @Max(100_000)
  private int maxBatchMessages = 1000;

  @JsonProperty
  @Min(0)
  private int maxMetadataEntries = 32;

  @JsonProperty
  @Min(1)
  @Max(128)
  private int maxMessageIdLength = 128;

  @JsonProperty
  @Min(1)
  private int maxKeyLength = 256;

  @JsonProperty
  @Min(1)
  @Max(10_000)
  private int maxReadLimit = 1000;

  public Limits build() {
    return new Limits(
        maxMessageSize.toBytes(),
        maxBatchSize.toBytes(),
        maxBatchMessages,
        maxMetadataEntries,
        maxMessageIdLength,
        maxKeyLength,
        maxReadLimit);
  }
}
