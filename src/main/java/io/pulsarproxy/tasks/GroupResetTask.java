package io.pulsarproxy.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.GroupRules;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import java.util.Set;

/**
 * {@code POST /tasks/group-reset?topic=T&group=G&to=earliest|latest|<id>}: moves a consumer group's
 * position (creating the group there if it does not exist). Its pending messages stay pending.
 */
public final class GroupResetTask extends JsonTask {
  private final ConsumerGroups groups;

  public GroupResetTask(ConsumerGroups groups, ObjectMapper json) {
    super("group-reset", json, Set.of("topic", "group", "to"));
    this.groups = groups;
  }

  /** The answer: where the group stands now. */
  public record Reset(String topic, String group, String position, long pending, long lag) {}

  @Override
  protected Object run(TaskParameters params) {
    TopicName topic = required(params.topic("topic"), "topic");
    String group = groupOf(params);
    String to = required(params.string("to"), "to");
    ConsumerGroups.Start start =
        switch (to) {
          case "earliest" -> new ConsumerGroups.Start.Earliest();
          case "latest" -> new ConsumerGroups.Start.Latest();
          default -> new ConsumerGroups.Start.After(id(to));
        };
    groups.reset(topic, group, start);
    ConsumerGroups.State state = groups.describe(topic, group).orElseThrow();
    return new Reset(
        topic.value(), group, state.position().toString(), state.pending(), state.lag());
  }

  static String groupOf(TaskParameters params) {
    String group = required(params.string("group"), "group");
    return GroupRules.name(group, ErrorWord.INVALID_PARAMETER, "parameter 'group'");
  }

  static <T> T required(T value, String name) {
    if (value == null) {
      throw TaskParameters.invalid(name, "is required");
    }
    return value;
  }

  private static EntryId id(String text) {
    try {
      return EntryId.parse(text, "to");
    } catch (RuntimeException e) {
      throw TaskParameters.invalid("to", "must be earliest, latest or an entry id");
    }
  }
}
